#include "dnsproxy/event_limiter.h"

#include <gtest/gtest.h>

namespace defender::dnsproxy {
namespace {

struct Collect : core::EventSink {
  std::vector<core::Event> events;
  void emit(core::Event event) noexcept override { events.push_back(std::move(event)); }
};

std::int64_t repeat_of(const core::Event& event) {
  for (const auto& [key, value] : event.fields) {
    if (key == "repeat") return std::get<std::int64_t>(value);
  }
  return 0;
}

TEST(EventLimiter, OneEventASecondPerNameWithARepeatCount) {
  EventLimiter limiter(100, std::chrono::seconds(1));
  Collect sink;
  const auto t0 = EventLimiter::Clock::now();
  for (int i = 0; i < 1000; ++i) {
    limiter.offer("flood.example", core::Event{.message = "m"}, t0 + std::chrono::microseconds(i), sink);
  }
  limiter.offer("other.example", core::Event{}, t0, sink);
  ASSERT_EQ(sink.events.size(), 2u);
  EXPECT_EQ(repeat_of(sink.events[0]), 0);
  // A query after the interval carries the count of the suppressed ones.
  limiter.offer("flood.example", core::Event{}, t0 + std::chrono::milliseconds(1500), sink);
  ASSERT_EQ(sink.events.size(), 3u);
  EXPECT_EQ(repeat_of(sink.events[2]), 999);
  // When the flood stops, flush() reports what is left.
  limiter.offer("flood.example", core::Event{}, t0 + std::chrono::milliseconds(1600), sink);
  limiter.flush(t0 + std::chrono::milliseconds(2000), sink);
  EXPECT_EQ(sink.events.size(), 3u);
  limiter.flush(t0 + std::chrono::milliseconds(2600), sink);
  ASSERT_EQ(sink.events.size(), 4u);
  EXPECT_EQ(repeat_of(sink.events[3]), 1);
  limiter.flush(t0 + std::chrono::seconds(10), sink);
  EXPECT_FALSE(limiter.has_pending());
}

TEST(EventLimiter, IsBounded) {
  EventLimiter limiter(10, std::chrono::seconds(1));
  Collect sink;
  const auto t0 = EventLimiter::Clock::now();
  for (int i = 0; i < 1000; ++i) limiter.offer("n" + std::to_string(i), core::Event{}, t0, sink);
  EXPECT_EQ(sink.events.size(), 1000u);
}

}  // namespace
}  // namespace defender::dnsproxy

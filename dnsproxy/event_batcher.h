// EventBatcher: an EventSink that holds events briefly and hands them on in bursts, so that
// the event log's writer thread wakes once per burst instead of once per blocked query (each
// wake-up was a context switch on the serving thread's CPU). Bounded: at `capacity` events it
// passes them on at once. The owner calls release() when its delay has passed (and at stop).
// Used on one thread (the server's).
#pragma once

#include <cstddef>
#include <vector>

#include "core/events.h"

namespace defender::dnsproxy {

class EventBatcher final : public core::EventSink {
 public:
  EventBatcher(core::EventSink& target, std::size_t capacity)
      : target_(target), capacity_(capacity == 0 ? 1 : capacity) {
    held_.reserve(capacity_);
  }

  // Stamps the event now (its time is when it happened, not when it is written).
  void emit(core::Event event) noexcept override {
    if (event.time_ms == 0) event.time_ms = core::now_unix_ms();
    held_.push_back(std::move(event));
    if (held_.size() >= capacity_) release();
  }

  void release() noexcept {
    for (auto& event : held_) target_.emit(std::move(event));
    held_.clear();
  }

  bool empty() const noexcept { return held_.empty(); }

 private:
  core::EventSink& target_;
  std::size_t capacity_;
  std::vector<core::Event> held_;
};

}  // namespace defender::dnsproxy

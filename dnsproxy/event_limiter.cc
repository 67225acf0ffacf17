#include "dnsproxy/event_limiter.h"

namespace defender::dnsproxy {

void EventLimiter::emit_suppressed(Entry& entry, Clock::time_point now, core::EventSink& sink) {
  core::Event event = std::move(entry.last);
  event.time_ms = 0;
  event.set("repeat", static_cast<std::int64_t>(entry.suppressed));
  entry.suppressed = 0;
  entry.last = core::Event{};
  entry.last_emit = now;
  sink.emit(std::move(event));
}

bool EventLimiter::offer(const std::string& key, core::Event event, Clock::time_point now,
                         core::EventSink& sink) {
  const auto found = map_.find(key);
  if (found != map_.end()) {
    Entry& entry = *found->second;
    if (now - entry.last_emit < interval_) {
      ++entry.suppressed;
      entry.last = std::move(event);
      return false;
    }
    // A new interval: this event carries the count of the ones suppressed before it.
    if (entry.suppressed != 0) event.set("repeat", static_cast<std::int64_t>(entry.suppressed));
    entry.suppressed = 0;
    entry.last = core::Event{};
    entry.last_emit = now;
    order_.splice(order_.begin(), order_, found->second);
    sink.emit(std::move(event));
    return true;
  }
  while (map_.size() >= capacity_ && !order_.empty()) {
    Entry& oldest = order_.back();
    if (oldest.suppressed != 0) emit_suppressed(oldest, now, sink);
    map_.erase(oldest.key);
    order_.pop_back();
  }
  order_.push_front(Entry{key, now, 0, {}});
  map_.emplace(key, order_.begin());
  sink.emit(std::move(event));
  return true;
}

void EventLimiter::flush(Clock::time_point now, core::EventSink& sink) {
  for (auto it = order_.begin(); it != order_.end();) {
    if (now - it->last_emit < interval_) {
      ++it;
      continue;
    }
    if (it->suppressed != 0) {
      emit_suppressed(*it, now, sink);
      order_.splice(order_.begin(), order_, it++);
      continue;
    }
    map_.erase(it->key);
    it = order_.erase(it);
  }
}

}  // namespace defender::dnsproxy

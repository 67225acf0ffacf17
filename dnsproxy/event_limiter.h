// EventLimiter: at most one event a second per query name. The first denied query of a name
// is reported at once; later ones within the interval are counted, and the count rides on the
// next event of that name (field `repeat`), or is flushed by flush() when no query follows.
// Bounded: when `capacity` names are tracked, the least recently reported one is flushed out.
// Owned and used by one thread (the server's).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/events.h"

namespace defender::dnsproxy {

class EventLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  EventLimiter(std::size_t capacity, Clock::duration interval)
      : capacity_(capacity == 0 ? 1 : capacity), interval_(interval) {}

  // Offers the event for `key` (the query name and rule). Emits it to `sink` (with the count
  // of queries suppressed before it, as `repeat`) or counts it. Returns true when emitted.
  bool offer(const std::string& key, core::Event event, Clock::time_point now, core::EventSink& sink);

  // Emits, for every key whose interval has passed with suppressed queries, the last such
  // event with its `repeat` count; forgets keys idle for over an interval.
  void flush(Clock::time_point now, core::EventSink& sink);

  bool has_pending() const noexcept { return !map_.empty(); }

 private:
  struct Entry {
    std::string key;
    Clock::time_point last_emit;
    std::uint64_t suppressed = 0;
    core::Event last;  // the latest suppressed event, re-emitted by flush()
  };
  void emit_suppressed(Entry& entry, Clock::time_point now, core::EventSink& sink);

  std::size_t capacity_;
  Clock::duration interval_;
  std::list<Entry> order_;  // front: most recently emitted
  std::unordered_map<std::string, std::list<Entry>::iterator> map_;
};

}  // namespace defender::dnsproxy

// EventWriter: the one thread that writes ingested events to the store, in batches of up to
// `batch_max` per transaction. Sessions hand it whole batches through a bounded queue; when
// the queue is full a batch is refused (the session retries later, the defender keeps it).
// Thread-safe; owned by the console server.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "console/store.h"
#include "core/log.h"

namespace defender::console {

class EventWriter {
 public:
  struct Options {
    std::size_t queue_capacity = 200'000;  // events waiting to be written
    std::size_t batch_max = 5000;          // events per transaction
  };
  struct Stats {
    std::uint64_t stored = 0;
    std::uint64_t refused = 0;  // events in batches refused because the queue was full
    std::uint64_t errors = 0;   // events lost to store errors
  };

  EventWriter(Store& store, Options options, const core::Logger& log);
  ~EventWriter();  // writes what is queued, then stops
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  // All or nothing: false (and nothing taken) when the batch does not fit.
  bool try_push(std::vector<StoredEvent>& batch);
  Stats stats() const;

 private:
  void run();

  Store& store_;
  Options options_;
  core::Logger log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<StoredEvent> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> stored_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::thread thread_;
};

}  // namespace defender::console

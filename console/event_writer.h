// EventWriter: parses and writes what defenders send to the store, so that the I/O threads
// only read frames and answer. Two threads, a pipeline: the parser turns received messages
// into rows, the writer writes rows to the store. It takes
//   - whole "events" messages as received (try_push_message): parsed here, then stored,
//   - event rows a session already parsed (try_push),
//   - defender records to persist (save_defender; the latest per defender is kept),
// and writes events in batches of up to `batch_max` per transaction. The queue is bounded in
// events and in bytes; a push that does not fit is refused whole (the session answers
// "retry" and the defender keeps the batch). Thread-safe; owned by the console server.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "console/store.h"
#include "core/log.h"

namespace defender::console {

class EventWriter {
 public:
  struct Options {
    std::size_t queue_capacity = 200'000;              // parsed events waiting to be written
    std::size_t batch_max = 5000;                      // events per transaction
    std::size_t max_queue_bytes = std::size_t{128} << 20;  // raw messages and rows waiting
  };
  struct Stats {
    std::uint64_t stored = 0;
    std::uint64_t refused = 0;    // events (or messages, for raw ones) refused: queue full
    std::uint64_t errors = 0;     // events lost to store errors
    std::uint64_t malformed = 0;  // messages that were not a parsable "events" message
  };

  EventWriter(Store& store, Options options, const core::Logger& log);
  ~EventWriter();  // writes what is queued, then stops
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  // All or nothing: false (and nothing taken) when the batch does not fit.
  bool try_push(std::vector<StoredEvent>& batch);
  // An "events" message of the defender (app_id, instance), parsed on the parser thread.
  // False (the message left in place) when it does not fit. `done`, when given, is called on
  // the writer thread once its events are written (or found malformed, or lost to a store
  // error): the session acks then, so a defender sends its next batch at the pace of the
  // store instead of filling the queue with batches that would be refused.
  bool try_push_message(std::string& message, const std::string& app_id, const std::string& instance,
                        std::function<void()> done = {});
  // Persists `record` (the latest per app id and instance wins); never blocks on the store.
  void save_defender(const DefenderRecord& record);
  Stats stats() const;

 private:
  struct Item {
    std::vector<StoredEvent> rows;  // parsed already, or
    std::string message;            // a raw message to parse
    std::string app_id;
    std::string instance;
    std::int64_t received_ms = 0;
    std::size_t bytes = 0;    // counted against max_queue_bytes until written
    std::size_t counted = 0;  // events counted against queue_capacity until written
    std::function<void()> done;
  };
  void parse_loop();
  void write_loop();
  bool push(Item& item, std::size_t events);  // moves from `item` only when taken
  void parse(Item& item);
  void write(std::vector<StoredEvent>& batch);

  Store& store_;
  Options options_;
  core::Logger log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;         // the parser: something was pushed
  std::condition_variable wake_writer_;  // the writer: rows parsed or a defender to save
  std::deque<Item> queue_;               // as pushed
  std::deque<Item> parsed_;              // rows only, for the writer
  bool parser_done_ = false;
  std::size_t queued_events_ = 0;
  std::size_t queued_bytes_ = 0;
  std::map<std::pair<std::string, std::string>, DefenderRecord> defenders_;  // to persist
  bool stopping_ = false;
  std::atomic<std::uint64_t> stored_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> malformed_{0};
  std::thread parser_;
  std::thread writer_;
};

}  // namespace defender::console

// Events: every decision as one JSON object a line (SPEC.md "Events").
//
// EventLog owns a writer thread and a bounded queue. emit() never blocks a data path: when
// the queue is full the event is dropped and counted, and the writer later reports the count
// as a `system` event ("N events dropped"). Long fields are cut (with a marker), never dropped;
// any bytes become valid JSON (invalid UTF-8 is replaced). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace defender::core {

using FieldValue = std::variant<std::string, std::int64_t, bool>;

struct Event {
  std::string type;     // process | dns | connect | http | system
  std::string action;   // alert | prevent | ban | info
  std::string rule;     // as `policy explain` names it; may be empty for system events
  std::string message;
  std::vector<std::pair<std::string, FieldValue>> fields;  // type-specific, written in order
  std::int64_t time_ms = 0;  // Unix ms; 0: stamped by emit()

  Event& set(std::string key, FieldValue value) {
    fields.emplace_back(std::move(key), std::move(value));
    return *this;
  }
};

// Where components send events. Tests and the console channel implement it too.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(Event event) noexcept = 0;
};

// Renders one event as a JSON line (with '\n'): time, app_id, type, action, rule, message,
// then the fields. Pure; exposed for tests and for sinks other than the file.
std::string format_event_line(const Event& event, const std::string& app_id,
                              std::size_t max_field_bytes);

class EventLog final : public EventSink {
 public:
  struct Options {
    std::string path = "-";            // "-": stdout
    std::string app_id;
    std::size_t queue_capacity = 8192;
    std::size_t max_field_bytes = 1024;
  };
  struct Stats {
    std::uint64_t written = 0;
    std::uint64_t dropped = 0;
    std::uint64_t write_errors = 0;
  };

  // Opens (creates, appends) the file; throws std::system_error naming the path on failure.
  explicit EventLog(Options options);
  ~EventLog() override;  // writes what is queued, then stops the writer
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  void emit(Event event) noexcept override;
  void reopen() noexcept;  // log rotation (SIGHUP): the next write goes to a fresh open
  void flush() noexcept;   // blocks until everything emitted so far is written
  Stats stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Unix time in milliseconds -> "2026-11-29T08:55:34.123Z".
std::string format_rfc3339_ms(std::int64_t unix_ms);
std::int64_t now_unix_ms() noexcept;

}  // namespace defender::core

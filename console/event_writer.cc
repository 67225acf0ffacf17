#include "console/event_writer.h"

#include <iterator>
#include <utility>

#include <nlohmann/json.hpp>

#include "console/channel_protocol.h"
#include "core/events.h"

namespace defender::console {

EventWriter::EventWriter(Store& store, Options options, const core::Logger& log)
    : store_(store), options_(options), log_(log), parser_([this] { parse_loop(); }),
      writer_([this] { write_loop(); }) {}

EventWriter::~EventWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  parser_.join();  // drains the queue into parsed_, then tells the writer
  writer_.join();
}

bool EventWriter::push(Item& item, std::size_t events) {
  {
    std::lock_guard lock(mutex_);
    if (queued_events_ + events > options_.queue_capacity ||
        queued_bytes_ + item.bytes > options_.max_queue_bytes) {
      refused_ += std::max<std::size_t>(events, 1);
      return false;
    }
    queued_events_ += events;
    queued_bytes_ += item.bytes;
    item.counted = events;
    queue_.push_back(std::move(item));
  }
  wake_.notify_one();
  return true;
}

bool EventWriter::try_push(std::vector<StoredEvent>& batch) {
  if (batch.empty()) return true;
  Item item;
  for (const auto& row : batch) item.bytes += row.json.size() + row.app_id.size() + row.instance.size() + 64;
  const std::size_t events = batch.size();
  item.rows = std::move(batch);
  if (!push(item, events)) {
    batch = std::move(item.rows);
    return false;
  }
  batch.clear();
  return true;
}

bool EventWriter::try_push_message(std::string& message, const std::string& app_id, const std::string& instance,
                                   std::function<void()> done) {
  Item item;
  item.done = std::move(done);
  item.bytes = message.size();
  item.app_id = app_id;
  item.instance = instance;
  item.received_ms = core::now_unix_ms();
  item.message = std::move(message);
  if (!push(item, 0)) {
    message = std::move(item.message);
    return false;
  }
  return true;
}

void EventWriter::save_defender(const DefenderRecord& record) {
  {
    std::lock_guard lock(mutex_);
    defenders_[{record.app_id, record.instance}] = record;
  }
  wake_writer_.notify_one();
}

EventWriter::Stats EventWriter::stats() const {
  return Stats{stored_.load(), refused_.load(), errors_.load(), malformed_.load()};
}

void EventWriter::parse(Item& item) {
  std::size_t skipped = 0;
  if (auto rows = rows_from_canonical_message(item.message, item.app_id, item.instance, item.received_ms, skipped)) {
    item.rows = std::move(*rows);
    std::string().swap(item.message);
    return;
  }
  const auto message = nlohmann::json::parse(item.message, nullptr, false);
  std::string().swap(item.message);
  const auto events = message.is_object() ? message.find("events") : message.end();
  if (!message.is_object() || events == message.end() || !events->is_array()) {
    ++malformed_;
    return;
  }
  skipped = 0;
  item.rows = events_from_message(*events, item.app_id, item.instance, item.received_ms, skipped);
}

void EventWriter::write(std::vector<StoredEvent>& batch) {
  if (batch.empty()) return;
  try {
    store_.add_events(batch);
    stored_ += batch.size();
  } catch (const std::exception& e) {
    errors_ += batch.size();
    log_.error("console", std::string("events not stored: ") + e.what());
  }
  batch.clear();
}

void EventWriter::parse_loop() {
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {  // stopping and drained
        parser_done_ = true;
        wake_writer_.notify_one();
        return;
      }
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    if (!item.message.empty()) parse(item);  // off the lock: the expensive part
    {
      std::lock_guard lock(mutex_);
      parsed_.push_back(std::move(item));
    }
    wake_writer_.notify_one();
  }
}

void EventWriter::write_loop() {
  std::vector<StoredEvent> batch;
  std::vector<std::function<void()>> done;
  for (;;) {
    std::map<std::pair<std::string, std::string>, DefenderRecord> defenders;
    std::size_t bytes = 0;
    std::size_t events = 0;
    {
      std::unique_lock lock(mutex_);
      wake_writer_.wait(lock, [this] { return parser_done_ || !parsed_.empty() || !defenders_.empty(); });
      if (parser_done_ && parsed_.empty() && defenders_.empty()) return;
      defenders.swap(defenders_);
      // Up to batch_max events in one transaction.
      while (!parsed_.empty() && batch.size() < options_.batch_max) {
        Item& item = parsed_.front();
        bytes += item.bytes;
        events += item.counted;
        std::move(item.rows.begin(), item.rows.end(), std::back_inserter(batch));
        if (item.done) done.push_back(std::move(item.done));
        parsed_.pop_front();
      }
    }
    for (const auto& [key, record] : defenders) {
      try {
        store_.upsert_defender(record);
      } catch (const std::exception& e) {
        log_.error("console", std::string("defender not saved: ") + e.what());
      }
    }
    write(batch);
    {
      std::lock_guard lock(mutex_);  // room again once written
      queued_bytes_ -= bytes;
      queued_events_ -= events;
    }
    for (auto& callback : done) callback();
    done.clear();
  }
}

}  // namespace defender::console

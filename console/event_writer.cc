#include "console/event_writer.h"

#include <iterator>
#include <utility>

namespace defender::console {

EventWriter::EventWriter(Store& store, Options options, const core::Logger& log)
    : store_(store), options_(options), log_(log), thread_([this] { run(); }) {}

EventWriter::~EventWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool EventWriter::try_push(std::vector<StoredEvent>& batch) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() + batch.size() > options_.queue_capacity) {
      refused_ += batch.size();
      return false;
    }
    std::move(batch.begin(), batch.end(), std::back_inserter(queue_));
  }
  batch.clear();
  wake_.notify_one();
  return true;
}

EventWriter::Stats EventWriter::stats() const {
  return Stats{stored_.load(), refused_.load(), errors_.load()};
}

void EventWriter::run() {
  std::vector<StoredEvent> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      const std::size_t n = std::min(queue_.size(), options_.batch_max);
      batch.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    try {
      store_.add_events(batch);
      stored_ += batch.size();
    } catch (const std::exception& e) {
      errors_ += batch.size();
      log_.error("console", std::string("events not stored: ") + e.what());
    }
    batch.clear();
  }
}

}  // namespace defender::console

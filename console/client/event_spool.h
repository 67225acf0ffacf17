// EventSpool: events a defender could not deliver, kept on disk (one JSON line each) in its
// data folder until the console is back, up to `max_bytes`; what does not fit is counted.
// Not thread-safe: used on the client's strand only.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

namespace defender::console {

class EventSpool {
 public:
  EventSpool(std::string path, std::size_t max_bytes);

  // Appends lines (without '\n'); returns how many did not fit (counted in dropped()).
  std::size_t append(std::deque<std::string>& lines);
  // Moves every spooled line to the back of `out` and empties the file.
  void take_all(std::deque<std::string>& out);
  std::size_t bytes() const { return bytes_; }
  std::uint64_t dropped() const { return dropped_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace defender::console

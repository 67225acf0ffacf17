#include "console/client/event_spool.h"

#include <filesystem>
#include <fstream>

namespace defender::console {

EventSpool::EventSpool(std::string path, std::size_t max_bytes)
    : path_(std::move(path)), max_bytes_(max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path_, ec);
  if (!ec) bytes_ = static_cast<std::size_t>(size);
}

std::size_t EventSpool::append(std::deque<std::string>& lines) {
  std::size_t lost = 0;
  if (lines.empty()) return 0;
  std::ofstream out(path_, std::ios::binary | std::ios::app);
  for (auto& line : lines) {
    if (!out || bytes_ + line.size() + 1 > max_bytes_) {
      ++lost;
      continue;
    }
    out << line << '\n';
    bytes_ += line.size() + 1;
  }
  out.flush();
  lines.clear();
  dropped_ += lost;
  return lost;
}

void EventSpool::take_all(std::deque<std::string>& out) {
  std::ifstream in(path_, std::ios::binary);
  std::string line;
  while (in && std::getline(in, line)) {
    if (!line.empty()) out.push_back(std::move(line));
  }
  in.close();
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  bytes_ = 0;
}

}  // namespace defender::console

#include "supervisor/process_table.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <memory>

namespace defender::supervisor {
namespace {

std::optional<pid_t> parse_pid(std::string_view text) {
  pid_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

// Reads at most `max` bytes of a small file in one go.
std::optional<std::string> read_small(const std::string& path, std::size_t max) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string data(max, '\0');
  std::size_t used = 0;
  while (used < max) {
    const ssize_t n = ::read(fd, data.data() + used, max - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  data.resize(used);
  return data;
}

// "PID (comm) S PPID ...": the command may hold spaces and parentheses; the last ')' ends it.
std::optional<pid_t> parse_stat_ppid(std::string_view stat) {
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || close + 4 >= stat.size()) return std::nullopt;
  std::string_view rest = stat.substr(close + 4);  // skip ") S "
  const auto space = rest.find(' ');
  rest = rest.substr(0, space);
  if (rest == "0") return 0;
  return parse_pid(rest);
}

std::optional<pid_t> read_parent_from(const std::string& proc_root, pid_t pid) {
  const auto stat = read_small(proc_root + "/" + std::to_string(pid) + "/stat", 1024);
  if (!stat) return std::nullopt;
  return parse_stat_ppid(*stat);
}

}  // namespace

ProcessTable ProcessTable::snapshot(const std::string& proc_root, std::size_t max_processes) {
  ProcessTable table;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(proc_root.c_str()), &::closedir);
  if (!dir) return table;
  while (const dirent* entry = ::readdir(dir.get())) {
    if (table.parents_.size() >= max_processes) break;
    const auto pid = parse_pid(entry->d_name);
    if (!pid) continue;
    if (const auto parent = read_parent_from(proc_root, *pid)) table.parents_[*pid] = *parent;
  }
  return table;
}

std::optional<pid_t> ProcessTable::parent_of(pid_t pid) const {
  const auto it = parents_.find(pid);
  if (it == parents_.end()) return std::nullopt;
  return it->second;
}

bool ProcessTable::is_descendant(pid_t pid, pid_t ancestor) const {
  // Bounded walk: a cycle cannot exist in a real table, but a snapshot is read while pids
  // are reused, so never trust it to terminate by itself.
  for (std::size_t steps = 0; steps <= parents_.size(); ++steps) {
    const auto parent = parent_of(pid);
    if (!parent || *parent <= 0) return false;
    if (*parent == ancestor) return true;
    pid = *parent;
  }
  return false;
}

std::vector<pid_t> ProcessTable::descendants_of(pid_t ancestor) const {
  std::vector<pid_t> result;
  for (const auto& [pid, parent] : parents_) {
    (void)parent;
    if (pid != ancestor && is_descendant(pid, ancestor)) result.push_back(pid);
  }
  std::sort(result.begin(), result.end());
  return result;
}

std::vector<pid_t> ProcessTable::pids() const {
  std::vector<pid_t> result;
  result.reserve(parents_.size());
  for (const auto& entry : parents_) result.push_back(entry.first);
  std::sort(result.begin(), result.end());
  return result;
}

std::optional<pid_t> read_parent_pid(pid_t pid) { return read_parent_from("/proc", pid); }

std::string tidy_kernel_path(std::string path) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (path.size() > kDeleted.size() && path.ends_with(kDeleted)) path.resize(path.size() - kDeleted.size());
  if (path.starts_with("/memfd:")) path.erase(0, 1);
  return path;
}

std::optional<std::string> read_exe(pid_t pid) {
  char buffer[4096];
  const std::string link = "/proc/" + std::to_string(pid) + "/exe";
  const ssize_t n = ::readlink(link.c_str(), buffer, sizeof buffer);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buffer) return std::nullopt;
  return tidy_kernel_path(std::string(buffer, static_cast<std::size_t>(n)));
}

std::string read_cmdline(pid_t pid, std::size_t max_bytes) {
  auto data = read_small("/proc/" + std::to_string(pid) + "/cmdline", max_bytes);
  if (!data) return {};
  while (!data->empty() && data->back() == '\0') data->pop_back();
  std::replace(data->begin(), data->end(), '\0', ' ');
  return *data;
}

std::optional<pid_t> read_tgid(pid_t tid) {
  const auto status = read_small("/proc/" + std::to_string(tid) + "/status", 8192);
  if (!status) return std::nullopt;
  const auto at = status->find("\nTgid:");
  if (at == std::string::npos) return std::nullopt;
  std::size_t begin = at + 6;
  while (begin < status->size() && ((*status)[begin] == ' ' || (*status)[begin] == '\t')) ++begin;
  std::size_t end = begin;
  while (end < status->size() && (*status)[end] >= '0' && (*status)[end] <= '9') ++end;
  return parse_pid(std::string_view(*status).substr(begin, end - begin));
}

}  // namespace defender::supervisor

namespace defender::supervisor {
bool is_live_descendant(pid_t pid, pid_t ancestor, int max_depth) {
  for (int i = 0; i < max_depth; ++i) {
    const auto parent = read_parent_pid(pid);
    if (!parent || *parent <= 0) return false;
    if (*parent == ancestor) return true;
    pid = *parent;
  }
  return false;
}
}  // namespace defender::supervisor

// ProcessTable: a snapshot of /proc (pid -> parent pid), and small readers of one process's
// /proc entries. Used to find the app's descendants at shutdown, and by the periodic scan.
// A snapshot is a plain value; any thread. Processes come and go while it is read: every
// reader tolerates a process that vanished (it returns nullopt / an empty string).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace defender::supervisor {

class ProcessTable {
 public:
  // Reads /proc (or `proc_root`, for tests) now. At most `max_processes` entries are kept.
  static ProcessTable snapshot(const std::string& proc_root = "/proc",
                               std::size_t max_processes = 1u << 20);

  std::optional<pid_t> parent_of(pid_t pid) const;
  // Every process whose chain of parents reaches `ancestor` (not `ancestor` itself).
  std::vector<pid_t> descendants_of(pid_t ancestor) const;
  bool is_descendant(pid_t pid, pid_t ancestor) const;
  std::vector<pid_t> pids() const;
  std::size_t size() const noexcept { return parents_.size(); }

 private:
  std::unordered_map<pid_t, pid_t> parents_;
};

// The parent pid from /proc/PID/stat (tolerates any bytes in the command name).
std::optional<pid_t> read_parent_pid(pid_t pid);
// The executable /proc/PID/exe names ("memfd:NAME" for a memfd, " (deleted)" stripped).
std::optional<std::string> read_exe(pid_t pid);
// argv joined by spaces, at most `max_bytes` read.
std::string read_cmdline(pid_t pid, std::size_t max_bytes = 4096);
// The thread group (process) id of a thread id, from /proc/TID/status.
std::optional<pid_t> read_tgid(pid_t tid);

// Tidies a path the kernel printed for an fd or exe link: "/memfd:x (deleted)" -> "memfd:x",
// "/a/b (deleted)" -> "/a/b".
std::string tidy_kernel_path(std::string path);

}  // namespace defender::supervisor

namespace defender::supervisor {
// Walks /proc/PID/stat parents (at most `max_depth` steps): is `pid` below `ancestor` now?
bool is_live_descendant(pid_t pid, pid_t ancestor, int max_depth = 256);
}  // namespace defender::supervisor

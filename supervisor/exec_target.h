// Resolving what an exec really runs, from the supervisor's side of a seccomp notification.
//
// The calling process's view counts, not the supervisor's: absolute paths and absolute
// symlinks resolve against /proc/TID/root, relative ones against /proc/TID/cwd or the dirfd
// (/proc/TID/fd/N); ".." stops at the process's root; "/proc/self" means the caller, not the
// supervisor; /proc magic links (exe, fd/N, cwd, root) are followed as the kernel would;
// AT_EMPTY_PATH execs the dirfd itself (a memfd gives "memfd:NAME"). The result is the kernel's
// name of the file finally reached, relative to the caller's root. Stateless; any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace defender::supervisor {

struct ExecRequest {
  pid_t tid = 0;            // the calling thread (seccomp_notif.pid)
  int dirfd = -100;         // AT_FDCWD for execve
  std::string path;         // as the caller passed it
  bool empty_path = false;  // execveat AT_EMPTY_PATH with ""
  bool nofollow = false;    // execveat AT_SYMLINK_NOFOLLOW
};

struct ExecTarget {
  std::string path;  // canonical, relative to the caller's root ("/usr/bin/id", "memfd:x")
  int error = 0;     // errno when it could not be resolved (then `path` is the raw one)
};

ExecTarget resolve_exec_target(const ExecRequest& request);

// Reads a NUL-terminated string of at most `max` bytes at `address` in process `tid`
// (via /proc/TID/mem). nullopt when unreadable or unterminated.
std::optional<std::string> read_remote_string(int mem_fd, std::uint64_t address, std::size_t max);
// Reads argv (an array of pointers of `pointer_size` bytes) joined by spaces, bounded.
std::string read_remote_argv(int mem_fd, std::uint64_t address, std::size_t pointer_size,
                             std::size_t max_args, std::size_t max_bytes);

}  // namespace defender::supervisor

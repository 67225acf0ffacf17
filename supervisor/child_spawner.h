// Spawning the app: fork, then in the child only raw syscalls (the parent may already run
// threads): own process group and the terminal's foreground, signal mask and dispositions
// reset, user dropped, NO_NEW_PRIVS, Landlock, the seccomp exec filter with its listener fd
// sent back to the supervisor, then execve along PATH.
//
// The child reports over a socketpair (close-on-exec): the listener fd, or the step that
// failed and its errno. A successful exec closes the child's end, so the supervisor sees EOF.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "supervisor/exec_filter.h"
#include "supervisor/user_spec.h"

namespace defender::supervisor {

struct SpawnSpec {
  std::vector<std::string> argv;           // argv[0] is looked up along the env's PATH
  std::vector<std::string> env;            // the app's whole environment
  std::optional<Credentials> credentials;  // drop to these before exec
  const ExecFilter* exec_filter = nullptr; // null: no seccomp filter
  int landlock_ruleset_fd = -1;            // -1: no Landlock domain
  bool take_terminal = true;               // make the app the terminal's foreground group
};

// What the child said before it exec'd (or failed).
struct ChildReport {
  enum class Kind { listener, setup_failed, exec_failed, closed, garbled };
  Kind kind = Kind::garbled;
  int fd = -1;        // the seccomp listener when kind == listener (caller owns it)
  int error = 0;      // errno of the failed step
  std::string step;   // "setresuid", "seccomp(NEW_LISTENER)", "execve", ...
};

struct SpawnedChild {
  pid_t pid = -1;
  int channel_fd = -1;  // the supervisor's end of the socketpair (caller owns it)
};

// The candidate paths execve will try, in order (PATH lookup as execvp does it).
std::vector<std::string> exec_candidates(const std::string& command, const std::vector<std::string>& env);

// Forks the child. Throws std::system_error naming the call when socketpair/fork fail.
SpawnedChild spawn_child(const SpawnSpec& spec);

// Reads one report from the channel (non-blocking fd: call when it is readable).
ChildReport read_child_report(int channel_fd);

}  // namespace defender::supervisor

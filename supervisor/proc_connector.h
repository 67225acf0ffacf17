// ProcConnector: the netlink process connector (NETLINK_CONNECTOR / CN_IDX_PROC) as a source
// of exec events, the third line behind seccomp and Landlock. It works only in the host's
// network namespace (in any other the subscribe fails with ECONNREFUSED) and its pids are the
// initial PID namespace's, so open() refuses in a nested PID namespace and says why.
// Unsubscribes on destruction. Owned by the supervisor; loop thread only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace defender::supervisor {

class ProcConnector {
 public:
  // null and `why` set when the connector is not usable here.
  static std::unique_ptr<ProcConnector> open(std::string* why, int receive_buffer_bytes = 16 << 20);
  ~ProcConnector();
  ProcConnector(const ProcConnector&) = delete;
  ProcConnector& operator=(const ProcConnector&) = delete;

  int fd() const noexcept { return fd_; }
  // Reads every queued message (non-blocking); calls on_exec(tgid) for each exec event.
  void drain(const std::function<void(pid_t)>& on_exec);
  std::uint64_t overruns() const noexcept { return overruns_; }

 private:
  explicit ProcConnector(int fd) : fd_(fd) {}
  int fd_ = -1;
  std::uint64_t overruns_ = 0;  // ENOBUFS: events lost
};

// True, with `why`, when this process is in a nested PID namespace or a user namespace.
bool in_nested_pid_namespace(std::string* why);

}  // namespace defender::supervisor

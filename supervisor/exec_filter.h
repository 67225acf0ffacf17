// ExecFilter: the seccomp program installed in the app before its exec. It sends execve and
// execveat to the supervisor (SECCOMP_RET_USER_NOTIF) and allows every other syscall.
//
// Built with libseccomp in the supervisor, exported as raw BPF, so the forked child installs it
// with one raw seccomp(2) call (no allocation between fork and exec). On x86-64 the i386 and x32
// ABIs are covered too, so a 32-bit exec cannot walk around the filter. Immutable after build.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace defender::supervisor {

enum class ExecSyscall { none, execve, execveat };

class ExecFilter {
 public:
  // nullopt and `error` (naming the libseccomp call) on failure.
  static std::optional<ExecFilter> build(std::string* error);

  // The program to pass to seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER, &prog).
  // Valid as long as this ExecFilter lives (points into it).
  sock_fprog program() const noexcept;

  // Which exec a notification (audit arch + syscall number) is about.
  ExecSyscall classify(std::uint32_t audit_arch, int nr) const noexcept;

 private:
  struct ArchSyscalls {
    std::uint32_t audit_arch = 0;
    int execve = -1;
    int execveat = -1;
  };
  std::vector<sock_filter> bpf_;
  std::vector<ArchSyscalls> arches_;
};

}  // namespace defender::supervisor

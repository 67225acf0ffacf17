// ScopedFsIdentity: this thread reads another process's /proc entries as that process's owner.
//
// Opening /proc/PID/mem, or following /proc/PID/{exe,cwd,root,fd/N}, needs ptrace access.
// When the app runs as another user (`--user app`) and the defender lacks CAP_SYS_PTRACE
// (podman's default), the kernel grants it only to a caller whose filesystem uid and gid equal
// the target's real, effective and saved ids. While an instance lives, the calling thread's
// fsuid/fsgid are the target's; the destructor restores them. Per thread (setfsuid is not
// broadcast to other threads), so other components are unaffected. A no-op when the target's
// ids cannot be read, are mixed (a setuid program), or are already ours.
#pragma once

#include <sys/types.h>

namespace defender::supervisor {

class ScopedFsIdentity {
 public:
  explicit ScopedFsIdentity(pid_t pid) noexcept;
  ~ScopedFsIdentity();
  ScopedFsIdentity(const ScopedFsIdentity&) = delete;
  ScopedFsIdentity& operator=(const ScopedFsIdentity&) = delete;

  bool switched() const noexcept { return switched_; }

 private:
  bool switched_ = false;
  long saved_uid_ = -1;
  long saved_gid_ = -1;
};

}  // namespace defender::supervisor

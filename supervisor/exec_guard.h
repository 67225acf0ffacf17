// ExecGuard: the supervisor's side of the seccomp exec filter. For each notification it reads
// the path the caller passed (from /proc/TID/mem), resolves the real target in the caller's
// view (exec_target.h), checks that the notification is still live, asks the process policy,
// and answers: EACCES plus a `process` event, or SECCOMP_USER_NOTIF_FLAG_CONTINUE.
//
// CONTINUE can be raced (another thread rewrites the path after the check), so an allowed
// exec is not proof: when Landlock does not hold the allowlist, the pid is queued for a
// post-exec /proc/PID/exe check (ProcessAuditor) a moment later. The queue is bounded; what
// overflows is counted and left to the periodic scan.
//
// Owned by the supervisor; every method runs on the supervisor's loop thread, except
// set_policy() (a reload, from any thread).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/events.h"
#include "core/log.h"
#include "policy/policy.h"
#include "supervisor/exec_filter.h"
#include "supervisor/process_auditor.h"
#include "supervisor/supervisor_stats.h"

struct seccomp_notif;
struct seccomp_notif_resp;

namespace defender::supervisor {

class ExecGuard {
 public:
  struct Options {
    bool recheck_after_exec = true;    // queue allowed execs for a /proc/PID/exe check
    std::size_t max_rechecks = 1024;   // bound of that queue
    std::size_t max_path_bytes = 4096;
    std::size_t max_cmdline_bytes = 1024;
    std::size_t max_args = 64;
  };

  ExecGuard(const ExecFilter& filter, std::shared_ptr<const policy::Policy> policy, core::EventSink& events,
            const core::Logger& log, SupervisorStats& stats, ProcessAuditor& auditor, Options options);
  ~ExecGuard();
  ExecGuard(const ExecGuard&) = delete;
  ExecGuard& operator=(const ExecGuard&) = delete;

  void adopt_listener(int fd);  // takes ownership
  int fd() const noexcept { return listener_; }
  // The listener is readable: answer one notification. Never throws.
  void on_readable() noexcept;
  // The listener reported POLLHUP (no filtered process left): close it.
  void close_listener() noexcept;

  // A reload: the next notification is judged by `policy` (sealed options stay). Any thread.
  void set_policy(std::shared_ptr<const policy::Policy> policy) noexcept { policy_.store(std::move(policy)); }

  bool has_rechecks() const noexcept { return !rechecks_.empty(); }
  // Audits the queued pids (a moment after their exec was let through).
  void run_rechecks() noexcept;

 private:
  void respond(std::uint64_t id, int error) noexcept;

  const ExecFilter& filter_;
  std::atomic<std::shared_ptr<const policy::Policy>> policy_;  // swapped by set_policy()
  core::EventSink& events_;
  core::Logger log_;
  SupervisorStats& stats_;
  ProcessAuditor& auditor_;
  Options options_;
  int listener_ = -1;
  seccomp_notif* request_ = nullptr;
  seccomp_notif_resp* response_ = nullptr;
  std::vector<pid_t> rechecks_;
};

}  // namespace defender::supervisor

// ProcessAuditor: the second line behind the seccomp exec check. Given a running process, it
// reads /proc/PID/exe, asks the process policy, and kills (prevent) or reports (alert) a denied
// executable. Used for the post-exec recheck, the netlink exec events and the periodic scan.
// Owned by the supervisor; called on the supervisor's loop thread only, except set_policy().
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <unordered_set>

#include "core/events.h"
#include "core/log.h"
#include "policy/policy.h"
#include "supervisor/supervisor_stats.h"

namespace defender::supervisor {

class ProcessAuditor {
 public:
  ProcessAuditor(std::shared_ptr<const policy::Policy> policy, core::EventSink& events, const core::Logger& log,
                 SupervisorStats& stats);

  enum class Outcome { allowed, killed, alerted, gone, skipped };
  // `source` says who found it ("post-exec check", "netlink exec event", "scan").
  Outcome audit(pid_t pid, const char* source);

  // A reload: the next audit uses `policy`. Any thread.
  void set_policy(std::shared_ptr<const policy::Policy> policy) noexcept { policy_.store(std::move(policy)); }

  // Forget alert-once memory about pids that no longer exist (bounded memory).
  void forget_except(const std::unordered_set<pid_t>& alive);

 private:
  std::atomic<std::shared_ptr<const policy::Policy>> policy_;  // swapped by set_policy()
  core::EventSink& events_;
  core::Logger log_;
  SupervisorStats& stats_;
  std::string self_exe_;
  std::unordered_set<pid_t> alerted_;  // pids already reported in alert mode
};

}  // namespace defender::supervisor

// ExecControls: sets up the exec lines of defence that work on this machine and says which:
//   1. the seccomp user-notification filter (ExecGuard answers it),
//   2. Landlock's execute right for an allowlist policy (processes.default: deny, prevent),
//   3. the netlink proc connector (host network and PID namespace only),
//   4. the post-exec and periodic /proc checks (ProcessAuditor), always.
// Owns them all; the Supervisor borrows pointers. Built and used on the main thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/events.h"
#include "core/log.h"
#include "policy/policy.h"
#include "supervisor/control_report.h"
#include "supervisor/exec_filter.h"
#include "supervisor/exec_guard.h"
#include "supervisor/landlock_ruleset.h"
#include "supervisor/proc_connector.h"
#include "supervisor/process_auditor.h"
#include "supervisor/supervisor_stats.h"

namespace defender::supervisor {

class ExecControls {
 public:
  struct Options {
    std::vector<std::string> app_argv;  // to find the app's ELF interpreter for Landlock
    std::vector<std::string> app_env;
    bool connector = true;
    bool landlock = true;
    std::size_t max_rechecks = 1024;
  };

  ExecControls(std::shared_ptr<const policy::Policy> policy, core::EventSink& events, const core::Logger& log,
               SupervisorStats& stats);

  // Sets up what works here and records each control in `report`. Returns false with
  // `error` when a control failed and supervisor.on_control_failure is `refuse`.
  bool setup(const Options& options, ControlReport& report, std::string* error);

  // A reload (SIGHUP, the console): the exec guard and the auditor judge by `policy` from the
  // next exec on. What is sealed at start cannot follow; the returned text says what (empty
  // when everything follows): no exec control was set up (processes.action was disable), or
  // Landlock holds the allowlist of the start. Any thread, after setup().
  std::string reload(std::shared_ptr<const policy::Policy> policy);

  const ExecFilter* filter() const noexcept { return filter_ ? &*filter_ : nullptr; }
  int landlock_fd() const noexcept { return landlock_ ? landlock_->fd() : -1; }
  ExecGuard* guard() noexcept { return guard_.get(); }
  ProcessAuditor* auditor() noexcept { return auditor_.get(); }
  ProcConnector* connector() noexcept { return connector_.get(); }

  // The folders Landlock must allow for an allowlist (exposed for tests).
  static std::vector<std::string> landlock_paths(const policy::ProcessPolicy& processes,
                                                 const std::vector<std::string>& app_argv,
                                                 const std::vector<std::string>& app_env);

 private:
  std::shared_ptr<const policy::Policy> policy_;
  core::EventSink& events_;
  core::Logger log_;
  SupervisorStats& stats_;
  std::optional<ExecFilter> filter_;
  std::optional<LandlockRuleset> landlock_;
  std::unique_ptr<ProcessAuditor> auditor_;
  std::unique_ptr<ExecGuard> guard_;
  std::unique_ptr<ProcConnector> connector_;
};

}  // namespace defender::supervisor

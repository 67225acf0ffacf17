#include "supervisor/process_auditor.h"

#include <signal.h>

#include <cerrno>
#include <cstring>

#include "supervisor/fs_identity.h"
#include "supervisor/process_table.h"

namespace defender::supervisor {

namespace {
constexpr std::size_t kMaxAlerted = 65536;
}

ProcessAuditor::ProcessAuditor(std::shared_ptr<const policy::Policy> policy, core::EventSink& events,
                               const core::Logger& log, SupervisorStats& stats)
    : policy_(std::move(policy)), events_(events), log_(log), stats_(stats),
      self_exe_(read_exe(::getpid()).value_or("")) {}

ProcessAuditor::Outcome ProcessAuditor::audit(pid_t pid, const char* source) {
  if (pid == ::getpid()) return Outcome::skipped;
  const ScopedFsIdentity as_owner(pid);  // /proc/PID/exe of another user needs its ids
  const auto exe = read_exe(pid);
  if (!exe) return Outcome::gone;
  // Still the defender's image: a child between fork and exec, not yet the app.
  if (*exe == self_exe_) return Outcome::skipped;
  const policy::Decision decision = policy_.load()->processes.decide(*exe);
  if (!decision.deny || decision.action == policy::Mode::disable) return Outcome::allowed;
  const bool prevent = decision.action != policy::Mode::alert;
  if (!prevent && alerted_.contains(pid)) return Outcome::alerted;
  const auto ppid = read_parent_pid(pid).value_or(0);
  const std::string cmdline = read_cmdline(pid);
  std::string message = std::string(exe->c_str()) + " is running (found by " + source + ")";
  if (prevent) {
    if (::kill(pid, SIGKILL) != 0) {
      if (errno == ESRCH) return Outcome::gone;
      log_.warn("supervisor", "kill(" + std::to_string(pid) + ", SIGKILL): " + std::strerror(errno));
    }
    stats_.killed_after_exec.fetch_add(1, std::memory_order_relaxed);
    message += "; killed";
  } else {
    if (alerted_.size() < kMaxAlerted) alerted_.insert(pid);
  }
  core::Event event;
  event.type = "process";
  event.action = prevent ? "prevent" : "alert";
  event.rule = decision.rule;
  event.message = message;
  event.set("pid", static_cast<std::int64_t>(pid))
      .set("ppid", static_cast<std::int64_t>(ppid))
      .set("path", *exe)
      .set("cmdline", cmdline)
      .set("source", std::string(source));
  events_.emit(std::move(event));
  return prevent ? Outcome::killed : Outcome::alerted;
}

void ProcessAuditor::forget_except(const std::unordered_set<pid_t>& alive) {
  std::erase_if(alerted_, [&](pid_t pid) { return !alive.contains(pid); });
}

}  // namespace defender::supervisor

#include "supervisor/exec_guard.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "supervisor/exec_target.h"
#include "supervisor/fs_identity.h"
#include "supervisor/process_table.h"

namespace defender::supervisor {
namespace {

constexpr int kAtEmptyPath = 0x1000;
constexpr int kAtSymlinkNofollow = 0x100;

}  // namespace

ExecGuard::ExecGuard(const ExecFilter& filter, std::shared_ptr<const policy::Policy> policy,
                     core::EventSink& events, const core::Logger& log, SupervisorStats& stats,
                     ProcessAuditor& auditor, Options options)
    : filter_(filter), policy_(std::move(policy)), events_(events), log_(log), stats_(stats),
      auditor_(auditor), options_(options) {
  if (seccomp_notify_alloc(&request_, &response_) != 0) throw std::bad_alloc();
  rechecks_.reserve(options_.max_rechecks);
}

ExecGuard::~ExecGuard() {
  close_listener();
  seccomp_notify_free(request_, response_);
}

void ExecGuard::adopt_listener(int fd) {
  close_listener();
  listener_ = fd;
}

void ExecGuard::close_listener() noexcept {
  if (listener_ >= 0) ::close(listener_);
  listener_ = -1;
}

void ExecGuard::respond(std::uint64_t id, int error) noexcept {
  std::memset(response_, 0, sizeof *response_);
  response_->id = id;
  if (error != 0) {
    response_->error = -error;
  } else {
    response_->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  }
  if (seccomp_notify_respond(listener_, response_) != 0) {
    // ENOENT: the caller died or was interrupted by a signal meanwhile; nothing to answer.
    stats_.execs_stale.fetch_add(1, std::memory_order_relaxed);
  }
}

void ExecGuard::on_readable() noexcept {
  std::memset(request_, 0, sizeof *request_);
  if (seccomp_notify_receive(listener_, request_) != 0) {
    // ENOENT: the notification went away (caller killed) before we read it.
    return;
  }
  stats_.exec_notifications.fetch_add(1, std::memory_order_relaxed);
  const std::uint64_t id = request_->id;
  const pid_t tid = static_cast<pid_t>(request_->pid);
  const ExecSyscall kind = filter_.classify(request_->data.arch, request_->data.nr);
  if (kind == ExecSyscall::none) {
    respond(id, 0);  // not ours to judge (the filter only sends execs)
    return;
  }
  const auto& args = request_->data.args;
  ExecRequest exec;
  exec.tid = tid;
  std::uint64_t path_address = args[0];
  std::uint64_t argv_address = args[1];
  if (kind == ExecSyscall::execveat) {
    exec.dirfd = static_cast<int>(args[0]);
    path_address = args[1];
    argv_address = args[2];
    const int flags = static_cast<int>(args[4]);
    exec.nofollow = (flags & kAtSymlinkNofollow) != 0;
    exec.empty_path = (flags & kAtEmptyPath) != 0;
  }
  const std::size_t pointer_size = request_->data.arch == AUDIT_ARCH_X86_64 ? 8 : 4;

  // The caller's memory and /proc links are read as the caller's owner: without this, an app
  // running as another user is unreadable when the defender lacks CAP_SYS_PTRACE.
  const ScopedFsIdentity as_caller(tid);
  const std::string mem_path = "/proc/" + std::to_string(tid) + "/mem";
  const int mem = ::open(mem_path.c_str(), O_RDONLY | O_CLOEXEC);
  const int mem_error = mem < 0 ? errno : EFAULT;  // EFAULT: opened, but the path is not readable
  std::optional<std::string> raw_path;
  std::string cmdline;
  if (mem >= 0) {
    raw_path = read_remote_string(mem, path_address, options_.max_path_bytes);
    cmdline = read_remote_argv(mem, argv_address, pointer_size, options_.max_args, options_.max_cmdline_bytes);
    ::close(mem);
  }
  const std::shared_ptr<const policy::Policy> policy = policy_.load();  // one policy per exec
  const auto& processes = policy->processes;
  if (!raw_path) {
    // Unreadable: an exec that cannot be judged is refused in prevent mode (failing open
    // would let a denied program through); alert and disable let it run.
    stats_.execs_unresolved.fetch_add(1, std::memory_order_relaxed);
    const bool refuse = processes.action == policy::Mode::prevent;
    if (!refuse) {
      respond(id, 0);
      return;
    }
    if (seccomp_notify_id_valid(listener_, id) != 0) return;
    respond(id, EACCES);
    stats_.execs_denied.fetch_add(1, std::memory_order_relaxed);
    core::Event event;
    event.type = "process";
    event.action = "prevent";
    event.rule = "processes.unreadable";
    event.message = "exec refused: its path could not be read from the caller (" +
                    std::string(std::strerror(mem_error)) + ")";
    event.set("pid", static_cast<std::int64_t>(tid)).set("ppid", std::int64_t{0}).set("path", "").set("cmdline", cmdline);
    events_.emit(std::move(event));
    return;
  }
  exec.path = std::move(*raw_path);
  if (exec.empty_path && !exec.path.empty()) exec.empty_path = false;  // AT_EMPTY_PATH needs ""
  const ExecTarget target = resolve_exec_target(exec);
  if (target.error != 0) stats_.execs_unresolved.fetch_add(1, std::memory_order_relaxed);
  const std::optional<pid_t> tgid = read_tgid(tid);
  const pid_t pid = tgid.value_or(tid);
  const pid_t ppid = read_parent_pid(pid).value_or(0);
  // Everything above read the caller's memory and /proc entries: only now is it known that
  // they belonged to this notification's caller and not to a reused pid.
  if (seccomp_notify_id_valid(listener_, id) != 0) {
    stats_.execs_stale.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const policy::Decision decision = processes.decide(target.path);
  const bool denied = decision.deny && decision.action != policy::Mode::disable;
  const bool prevent = denied && decision.action != policy::Mode::alert;
  if (prevent) {
    respond(id, EACCES);
    stats_.execs_denied.fetch_add(1, std::memory_order_relaxed);
  } else {
    respond(id, 0);
    (denied ? stats_.execs_alerted : stats_.execs_allowed).fetch_add(1, std::memory_order_relaxed);
    // Alert mode already reported it; a recheck would only report it twice.
    if (options_.recheck_after_exec && !denied) {
      if (rechecks_.size() < options_.max_rechecks) {
        rechecks_.push_back(pid);
      } else {
        stats_.rechecks_dropped.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
  if (!denied) return;
  core::Event event;
  event.type = "process";
  event.action = prevent ? "prevent" : "alert";
  event.rule = decision.rule;
  event.message = prevent ? "exec of " + target.path + " refused (EACCES)" : "exec of " + target.path + " allowed (alert)";
  event.set("pid", static_cast<std::int64_t>(pid))
      .set("ppid", static_cast<std::int64_t>(ppid))
      .set("path", target.path)
      .set("cmdline", cmdline);
  if (target.path != exec.path) event.set("requested", exec.path);
  events_.emit(std::move(event));
}

void ExecGuard::run_rechecks() noexcept {
  std::vector<pid_t> pending;
  pending.swap(rechecks_);
  rechecks_.reserve(options_.max_rechecks);
  for (const pid_t pid : pending) auditor_.audit(pid, "post-exec check");
}

}  // namespace defender::supervisor

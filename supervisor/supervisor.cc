#include "supervisor/supervisor.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <unordered_set>

#include "supervisor/process_table.h"

namespace defender::supervisor {
namespace {

// Signals the kernel sends for a fault of this thread: never block them (a fault while
// blocked kills without a core), never forward them.
constexpr int kSynchronous[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};

std::system_error sys_error(const std::string& call) {
  return std::system_error(errno, std::generic_category(), call);
}

sigset_t handled_signals() {
  sigset_t set;
  sigfillset(&set);
  for (const int sig : kSynchronous) sigdelset(&set, sig);
  sigdelset(&set, SIGTTIN);
  sigdelset(&set, SIGTTOU);
  return set;
}

int decode(int raw) {
  if (WIFEXITED(raw)) return WEXITSTATUS(raw);
  if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
  return 1;
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

void Supervisor::prepare_signals() {
  const sigset_t set = handled_signals();
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) throw sys_error("sigprocmask(SIG_BLOCK)");
  // Handing the terminal to the app's group from here must not stop us (as tini does).
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  for (const int sig : {SIGTTIN, SIGTTOU}) {
    if (::sigaction(sig, &ignore, nullptr) != 0) throw sys_error("sigaction(" + signal_name(sig) + ", SIG_IGN)");
  }
}

Supervisor::Supervisor(SupervisorOptions options, const core::Logger& log, SupervisorStats& stats,
                       ExecGuard* guard, ProcessAuditor* auditor, ProcConnector* connector)
    : options_(std::move(options)), log_(log), stats_(stats), guard_(guard), auditor_(auditor),
      connector_(connector) {}

Supervisor::~Supervisor() {
  for (const int fd : {signal_fd_, channel_fd_, scan_timer_, recheck_timer_, grace_timer_}) {
    if (fd >= 0) ::close(fd);
  }
}

void Supervisor::arm(int timer_fd, std::uint32_t ms, bool periodic) {
  itimerspec spec{};
  spec.it_value.tv_sec = ms / 1000;
  spec.it_value.tv_nsec = static_cast<long>(ms % 1000) * 1000000L;
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;  // 0 would disarm
  if (periodic) spec.it_interval = spec.it_value;
  if (::timerfd_settime(timer_fd, 0, &spec, nullptr) != 0) throw sys_error("timerfd_settime");
}

int Supervisor::run() {
  const sigset_t set = handled_signals();
  signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd_ < 0) throw sys_error("signalfd");
  for (int* timer : {&scan_timer_, &recheck_timer_, &grace_timer_}) {
    *timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (*timer < 0) throw sys_error("timerfd_create");
  }
  // Orphans of the app's tree must come to us, not to the host's init, to be reaped.
  if (::getpid() != 1 && ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    throw sys_error("prctl(PR_SET_CHILD_SUBREAPER)");
  }

  const SpawnedChild child = spawn_child(options_.spawn);
  app_pid_ = child.pid;
  channel_fd_ = child.channel_fd;
  log_.debug("supervisor", "started " + options_.spawn.argv[0] + " as pid " + std::to_string(app_pid_));
  if (options_.scan_interval_ms > 0 && auditor_ != nullptr) arm(scan_timer_, options_.scan_interval_ms, true);

  enum Slot { kSignals, kChannel, kListener, kConnector, kScan, kRecheck, kGrace, kSlots };
  while (!(app_status_ && no_children_)) {
    pollfd fds[kSlots];
    fds[kSignals] = {signal_fd_, POLLIN, 0};
    fds[kChannel] = {channel_fd_, POLLIN, 0};
    fds[kListener] = {guard_ != nullptr ? guard_->fd() : -1, POLLIN, 0};
    fds[kConnector] = {connector_ != nullptr ? connector_->fd() : -1, POLLIN, 0};
    fds[kScan] = {scan_timer_, POLLIN, 0};
    fds[kRecheck] = {recheck_timer_, POLLIN, 0};
    fds[kGrace] = {grace_timer_, POLLIN, 0};
    if (::poll(fds, kSlots, -1) < 0) {
      if (errno == EINTR) continue;
      throw sys_error("poll");
    }
    // Exec notifications first: a caller is blocked on each.
    if (fds[kListener].revents & POLLIN) {
      guard_->on_readable();
    } else if (fds[kListener].revents & (POLLHUP | POLLERR | POLLNVAL)) {
      guard_->close_listener();  // every filtered process is gone
    }
    if (fds[kChannel].revents != 0) on_channel();
    if (fds[kSignals].revents != 0) on_signals();
    if (fds[kConnector].revents != 0) {
      connector_->drain([this](pid_t pid) {
        stats_.connector_events.fetch_add(1, std::memory_order_relaxed);
        if (auditor_ == nullptr) return;
        if (options_.scan_whole_namespace || is_live_descendant(pid, ::getpid())) {
          auditor_->audit(pid, "netlink exec event");
        }
      });
    }
    std::uint64_t expirations = 0;
    if (fds[kScan].revents != 0 && ::read(scan_timer_, &expirations, sizeof expirations) > 0) on_scan();
    if (fds[kRecheck].revents != 0 && ::read(recheck_timer_, &expirations, sizeof expirations) > 0) {
      recheck_armed_ = false;
      if (guard_ != nullptr) guard_->run_rechecks();
    }
    if (fds[kGrace].revents != 0 && ::read(grace_timer_, &expirations, sizeof expirations) > 0 && !killed_rest_) {
      killed_rest_ = true;
      log_.info("supervisor", "grace period over: SIGKILL to what is left");
      signal_descendants(SIGKILL);
    }
    if (guard_ != nullptr && guard_->has_rechecks() && !recheck_armed_) {
      arm(recheck_timer_, options_.recheck_delay_ms, false);
      recheck_armed_ = true;
    }
  }
  if (setup_failed_) return 1;
  return *app_status_;
}

void Supervisor::on_signals() {
  for (int batch = 0; batch < 64; ++batch) {
    signalfd_siginfo info{};
    const ssize_t n = ::read(signal_fd_, &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) {
      if (n < 0 && errno != EAGAIN && errno != EINTR) throw sys_error("read(signalfd)");
      return;
    }
    const int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGCHLD) {
      reap();
      continue;
    }
    if (app_status_) continue;  // the app is gone; its leftovers get the grace sequence
    if (sig == SIGHUP && options_.on_reload_signal) options_.on_reload_signal();
    const pid_t target = options_.signal_process_group ? -app_pid_ : app_pid_;
    if (::kill(target, sig) != 0) {
      if (errno != ESRCH) log_.warn("supervisor", "kill(" + std::to_string(target) + ", " + signal_name(sig) + "): " + std::strerror(errno));
    } else {
      stats_.signals_forwarded.fetch_add(1, std::memory_order_relaxed);
      log_.debug("supervisor", "forwarded " + signal_name(sig) + " to " + std::to_string(target));
    }
  }
}

void Supervisor::reap() {
  for (;;) {
    int raw = 0;
    const pid_t pid = ::waitpid(-1, &raw, WNOHANG);
    if (pid > 0) {
      stats_.children_reaped.fetch_add(1, std::memory_order_relaxed);
      if (pid == app_pid_) app_exited(raw);
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    if (pid < 0 && errno == ECHILD) {
      if (app_status_) no_children_ = true;
    } else if (pid < 0) {
      throw sys_error("waitpid");
    }
    return;
  }
}

void Supervisor::app_exited(int raw_status) {
  app_status_ = decode(raw_status);
  log_.debug("supervisor", "app exited with status " + std::to_string(*app_status_));
  // What the app left behind: SIGTERM now, SIGKILL when the grace period ends. Without any
  // child left there is no descendant either (orphans come to us): skip the /proc walk.
  siginfo_t info{};
  if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 && errno == ECHILD) {
    no_children_ = true;
    return;
  }
  if (options_.grace_ms == 0) {
    killed_rest_ = true;
    signal_descendants(SIGKILL);
  } else {
    signal_descendants(SIGTERM);
    arm(grace_timer_, options_.grace_ms, false);
  }
}

void Supervisor::signal_descendants(int sig) {
  const ProcessTable table = ProcessTable::snapshot();
  const pid_t self = ::getpid();
  for (const pid_t pid : table.descendants_of(self)) {
    if (::kill(pid, sig) != 0 && errno != ESRCH) {
      log_.warn("supervisor", "kill(" + std::to_string(pid) + ", " + signal_name(sig) + "): " + std::strerror(errno));
    }
  }
}

void Supervisor::on_channel() {
  const ChildReport report = read_child_report(channel_fd_);
  switch (report.kind) {
    case ChildReport::Kind::listener:
      if (guard_ != nullptr) {
        guard_->adopt_listener(report.fd);
      } else {
        ::close(report.fd);
      }
      return;
    case ChildReport::Kind::setup_failed:
      setup_failed_ = true;
      log_.error("supervisor", "setting up the app failed: " + report.step + ": " + std::strerror(report.error));
      break;
    case ChildReport::Kind::exec_failed:
      log_.error("supervisor", "cannot run " + options_.spawn.argv[0] + ": execve: " + std::strerror(report.error));
      break;
    case ChildReport::Kind::garbled:
      if (report.error == EAGAIN) return;
      log_.warn("supervisor", "unexpected message from the app before its exec");
      break;
    case ChildReport::Kind::closed:
      break;  // the exec succeeded (close-on-exec) or the child is gone
  }
  ::close(channel_fd_);
  channel_fd_ = -1;
}

void Supervisor::on_scan() {
  stats_.scans.fetch_add(1, std::memory_order_relaxed);
  const ProcessTable table = ProcessTable::snapshot();
  const pid_t self = ::getpid();
  std::unordered_set<pid_t> alive;
  for (const pid_t pid : table.pids()) {
    alive.insert(pid);
    if (pid == self) continue;
    const bool ours = table.is_descendant(pid, self);
    if (!ours && !options_.scan_whole_namespace) continue;
    if (!ours) stats_.unsupervised_seen.fetch_add(1, std::memory_order_relaxed);
    auditor_->audit(pid, ours ? "scan" : "scan (outside the app's tree)");
  }
  auditor_->forget_except(alive);
}

}  // namespace defender::supervisor

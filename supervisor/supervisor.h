// Supervisor: the PID-1 loop of `defender rasp`, in the manner of tini.
//
//   prepare_signals()   block every catchable signal (before any thread starts), so they
//                       arrive on a signalfd; ignore SIGTTIN/SIGTTOU (terminal hand-over)
//   run()               become a child subreaper (unless PID 1), spawn the app, then loop on
//                       poll(2): forward signals, reap every child, answer exec notifications,
//                       run the scan and post-exec timers, read netlink exec events;
//                       SIGHUP also asks for a policy reload (on_reload_signal)
//   on the app's exit   SIGTERM whatever is left of its tree, SIGKILL after grace_ms, reap it
//                       all, return the app's status (128+N after death by signal N)
//
// Runs on the thread that calls run(); the other components (DNS, CNAF, metrics) run on their
// own threads and only read SupervisorStats. No busy loop: poll sleeps until an fd is ready.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>

#include "core/log.h"
#include "supervisor/child_spawner.h"
#include "supervisor/exec_guard.h"
#include "supervisor/proc_connector.h"
#include "supervisor/process_auditor.h"
#include "supervisor/supervisor_stats.h"

namespace defender::supervisor {

struct SupervisorOptions {
  SpawnSpec spawn;
  bool signal_process_group = false;  // forward to the app's process group, not just the app
  std::uint32_t grace_ms = 5000;      // SIGTERM -> SIGKILL delay for what outlives the app
  std::uint32_t scan_interval_ms = 2000;   // /proc scan; 0 turns it off
  std::uint32_t recheck_delay_ms = 2;      // post-exec /proc/PID/exe check after CONTINUE
  bool scan_whole_namespace = false;  // PID 1 of a container: every process is the app's
  // SIGHUP: called on the loop thread (must not block: hand the reload to another thread),
  // then SIGHUP is forwarded to the app as every other signal. Empty: forwarded only.
  std::function<void()> on_reload_signal;
};

class Supervisor {
 public:
  // Blocks the signals the loop handles and ignores SIGTTIN/SIGTTOU. Call first thing in
  // main, before any thread exists (threads inherit the mask). Throws std::system_error.
  static void prepare_signals();

  // `guard`, `auditor` and `connector` may be null (that control is off).
  Supervisor(SupervisorOptions options, const core::Logger& log, SupervisorStats& stats, ExecGuard* guard,
             ProcessAuditor* auditor, ProcConnector* connector);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Spawns the app and supervises until it and every descendant are gone. Returns the exit
  // status for the defender: the app's, 128+N, or 1 when the app could not be set up.
  // Throws std::system_error (naming the call) when the loop itself cannot run.
  int run();

  pid_t app_pid() const noexcept { return app_pid_; }

 private:
  void on_signals();
  void reap();
  void on_channel();
  void app_exited(int raw_status);
  void signal_descendants(int sig);
  void on_scan();
  static void arm(int timer_fd, std::uint32_t ms, bool periodic);

  SupervisorOptions options_;
  core::Logger log_;
  SupervisorStats& stats_;
  ExecGuard* guard_;
  ProcessAuditor* auditor_;
  ProcConnector* connector_;

  int signal_fd_ = -1;
  int channel_fd_ = -1;
  int scan_timer_ = -1;
  int recheck_timer_ = -1;
  int grace_timer_ = -1;
  bool recheck_armed_ = false;

  pid_t app_pid_ = -1;
  std::optional<int> app_status_;  // decoded: code or 128+N
  bool setup_failed_ = false;
  bool killed_rest_ = false;
  bool no_children_ = false;
};

}  // namespace defender::supervisor

// Controls: the one place where `defender rasp` composes what runs beside the app: the DNS
// filter (with the resolv.conf rewrite), the CNAF reverse proxy, and the metrics endpoint
// with every component's counters. Owns one io_context and the one thread that runs it.
//
// start() runs the root-only steps (binding port 53, rewriting resolv.conf) on the main
// thread before the app is spawned; stop() stops the io thread, stops the components and
// restores resolv.conf. A component that cannot start is reported and, with
// supervisor.on_control_failure: refuse, fails start() (the app is then not started).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "core/events.h"
#include "core/log.h"
#include "policy/policy.h"
#include "supervisor/component.h"
#include "supervisor/control_report.h"
#include "supervisor/metrics_server.h"
#include "supervisor/supervisor_stats.h"

namespace defender::supervisor {

class Controls {
 public:
  struct Options {
    std::string resolv_conf_path = "/etc/resolv.conf";
    std::string metrics_listen = "127.0.0.1:9464";  // "" turns it off
    bool dns = true;
    bool cnaf = true;
  };

  Controls(std::shared_ptr<const policy::Policy> policy, core::EventSink& events, const core::Logger& log,
           const SupervisorStats& stats);
  ~Controls();  // stop()
  Controls(const Controls&) = delete;
  Controls& operator=(const Controls&) = delete;

  bool start(const Options& options, ControlReport& report, std::string* error);
  void stop() noexcept;

  // A reload: every running component serves by `policy` from now on (a new policy was
  // loaded and validated by the caller). Any thread, after start().
  void reload(std::shared_ptr<const policy::Policy> policy);

  // More counters for /metrics from what runs beside the app outside the components (the
  // console link): appended after the components' on every scrape. Any thread.
  void add_metrics(std::function<void(std::string&)> source);

  // The io_context of the controls' thread (running from start() to stop()): what else must
  // run beside the app (the console link) and reload work go there.
  boost::asio::io_context& io() noexcept { return io_; }

  // Prometheus text of the supervisor and every component (io thread, or any thread while
  // the components only read atomics).
  std::string render_metrics() const;

 private:
  std::shared_ptr<const policy::Policy> policy_;
  core::EventSink& events_;
  core::Logger log_;
  const SupervisorStats& stats_;
  boost::asio::io_context io_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::unique_ptr<Component>> components_;
  std::unique_ptr<MetricsServer> metrics_;
  mutable std::mutex extra_mutex_;
  std::vector<std::function<void(std::string&)>> extra_metrics_;
  std::thread thread_;
  bool stopped_ = false;
};

// Appends "# TYPE name counter\nname value\n".
void append_counter(std::string& out, const std::string& name, std::uint64_t value, const std::string& help = "");

}  // namespace defender::supervisor

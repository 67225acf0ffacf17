#include "supervisor/controls.h"

namespace defender::supervisor {

void append_counter(std::string& out, const std::string& name, std::uint64_t value, const std::string& help) {
  if (!help.empty()) out += "# HELP " + name + " " + help + "\n";
  out += "# TYPE " + name + " counter\n" + name + " " + std::to_string(value) + "\n";
}

Controls::Controls(std::shared_ptr<const policy::Policy> policy, core::EventSink& events, const core::Logger& log,
                   const SupervisorStats& stats)
    : policy_(std::move(policy)), events_(events), log_(log), stats_(stats), work_(io_.get_executor()) {}

Controls::~Controls() { stop(); }

bool Controls::start(const Options& options, ControlReport& report, std::string* error) {
  const bool refuse = policy_->supervisor.on_control_failure == policy::OnControlFailure::refuse;
  const ComponentContext context{io_, policy_, events_, log_, options.resolv_conf_path};
  if (options.dns) {
    components_.push_back(make_dns_component(context));
  } else {
    report.add("dns", false, "turned off by --no-dns");
    report.add("resolv_conf", false, "turned off by --no-dns");
  }
  if (options.cnaf) {
    components_.push_back(make_cnaf_component(context));
  } else {
    report.add("cnaf", false, "turned off by --no-cnaf");
  }
  for (auto it = components_.begin(); it != components_.end();) {
    std::string why;
    if ((*it)->start(report, &why)) {
      ++it;
      continue;
    }
    log_.warn("rasp", std::string((*it)->name()) + ": " + why);
    if (refuse) {
      *error = std::string((*it)->name()) + ": " + why;
      stop();
      return false;
    }
    (*it)->stop();
    it = components_.erase(it);
  }

  if (options.metrics_listen.empty()) {
    report.add("metrics", false, "metrics.listen is empty");
  } else {
    metrics_ = std::make_unique<MetricsServer>(io_, [this] { return render_metrics(); }, MetricsServer::Options{});
    std::string why;
    if (metrics_->start(options.metrics_listen, &why)) {
      report.add("metrics", false, why);
      metrics_.reset();
      if (refuse) {
        *error = "metrics: " + why;
        stop();
        return false;
      }
    } else {
      const auto endpoint = metrics_->local_endpoint();
      report.add("metrics", true, endpoint.address().to_string() + ":" + std::to_string(endpoint.port()));
    }
  }
  thread_ = std::thread([this] {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        log_.error("rasp", std::string("io thread: ") + e.what());
      }
    }
  });
  return true;
}

void Controls::stop() noexcept {
  if (stopped_) return;
  stopped_ = true;
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  if (metrics_) metrics_->stop();
  // Reverse order of start: the DNS component restores resolv.conf last of all.
  for (auto it = components_.rbegin(); it != components_.rend(); ++it) (*it)->stop();
}

void Controls::add_metrics(std::function<void(std::string&)> source) {
  std::lock_guard lock(extra_mutex_);
  extra_metrics_.push_back(std::move(source));
}

void Controls::reload(std::shared_ptr<const policy::Policy> policy) {
  for (const auto& component : components_) component->reload(policy);
}

std::string Controls::render_metrics() const {
  std::string out;
  const auto value = [](const SupervisorStats::Counter& c) { return c.load(std::memory_order_relaxed); };
  append_counter(out, "defender_supervisor_exec_notifications_total", value(stats_.exec_notifications),
                 "seccomp exec notifications received");
  append_counter(out, "defender_supervisor_execs_allowed_total", value(stats_.execs_allowed));
  append_counter(out, "defender_supervisor_execs_denied_total", value(stats_.execs_denied),
                 "execs refused with EACCES");
  append_counter(out, "defender_supervisor_execs_alerted_total", value(stats_.execs_alerted));
  append_counter(out, "defender_supervisor_execs_unresolved_total", value(stats_.execs_unresolved));
  append_counter(out, "defender_supervisor_execs_stale_total", value(stats_.execs_stale));
  append_counter(out, "defender_supervisor_killed_after_exec_total", value(stats_.killed_after_exec));
  append_counter(out, "defender_supervisor_rechecks_dropped_total", value(stats_.rechecks_dropped));
  append_counter(out, "defender_supervisor_children_reaped_total", value(stats_.children_reaped));
  append_counter(out, "defender_supervisor_signals_forwarded_total", value(stats_.signals_forwarded));
  append_counter(out, "defender_supervisor_scans_total", value(stats_.scans));
  append_counter(out, "defender_supervisor_unsupervised_seen_total", value(stats_.unsupervised_seen));
  append_counter(out, "defender_supervisor_connector_events_total", value(stats_.connector_events));
  for (const auto& component : components_) component->write_metrics(out);
  std::lock_guard lock(extra_mutex_);
  for (const auto& source : extra_metrics_) source(out);
  return out;
}

}  // namespace defender::supervisor

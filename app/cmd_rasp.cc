// `defender rasp [FLAGS] [--] CMD [ARGS...]`: the protected app's PID 1 (SPEC.md).
//
// Reads like tini's main: parse, set up signals, set up the controls around the app, spawn,
// loop forwarding signals and reaping (supervisor::Supervisor), then stop the controls,
// restore resolv.conf and exit with the app's status.
//
// Beside the app: SIGHUP reloads the policy file (and is forwarded to the app as well); with
// WS_ADDRESS / INSTALL_BUNDLE a console link (rasp_console.h) streams every event to the
// console and applies the policies it sends, through the same reload path (rasp_reload.h).
// The app starts at once and the local policy serves until the console's arrives, unless
// supervisor.console_wait_ms asks to wait (bounded) for the console's policy first.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "app/command.h"
#include "app/rasp_console.h"
#include "app/rasp_reload.h"
#include "core/events.h"
#include "supervisor/control_report.h"
#include "supervisor/controls.h"
#include "supervisor/exec_controls.h"
#include "supervisor/supervisor.h"
#include "supervisor/user_spec.h"

extern char** environ;

namespace defender::app {
namespace {

struct RaspFlags {
  CommonOptions common;
  std::string user;
  bool signal_group = false;
  std::optional<std::uint32_t> grace_ms;
  std::optional<std::uint32_t> scan_interval_ms;
  std::string resolv_conf = "/etc/resolv.conf";
  std::optional<std::string> metrics_listen;
  bool no_netlink = false;
  bool no_landlock = false;
  bool no_dns = false;
  bool no_cnaf = false;
  std::vector<std::string> unused_positional;
};

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  return env;
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::unique_ptr<core::EventLog> open_events(const policy::Policy& policy, const Settings& settings,
                                            const core::Logger& log) {
  core::EventLog::Options options = event_log_options(policy, settings);
  try {
    return std::make_unique<core::EventLog>(options);
  } catch (const std::exception& e) {
    if (policy.supervisor.on_control_failure == policy::OnControlFailure::refuse) {
      log.error("rasp", std::string("events: ") + e.what() + "; supervisor.on_control_failure is refuse");
      return nullptr;
    }
    log.warn("rasp", std::string("events: ") + e.what() + "; events go to stderr");
    options.path = "/dev/stderr";
    return std::make_unique<core::EventLog>(options);
  }
}

// The startup control report as the console keeps it: {"name": "on: detail", ...}.
std::string controls_json(const supervisor::ControlReport& report) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& control : report.controls()) {
    object[control.name] = std::string(control.active ? "on" : "off") + (control.detail.empty() ? "" : ": " + control.detail);
  }
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int run_rasp(const RaspFlags& flags, std::vector<std::string> command) {
  if (!command.empty() && command.front() == "--") command.erase(command.begin());
  if (command.empty()) {
    std::cerr << "defender rasp: no command to run (usage: defender rasp [FLAGS] [--] CMD [ARGS...])\n";
    return kExitUsage;
  }
  if (const std::string type = env_or_empty("DEFENDER_TYPE"); !type.empty() && type != "rasp") {
    std::cerr << "defender rasp: DEFENDER_TYPE is '" << type << "', expected 'rasp'\n";
    return kExitUsage;
  }
  // Signals first: every thread started below inherits the mask, so they all come to the loop.
  try {
    supervisor::Supervisor::prepare_signals();
  } catch (const std::system_error& e) {
    std::cerr << "defender rasp: " << e.what() << "\n";
    return kExitRuntime;
  }

  Settings settings;
  try {
    settings = resolve_settings(flags.common);
  } catch (const CLI::ValidationError& e) {
    std::cerr << "defender rasp: " << e.what() << "\n";
    return kExitUsage;
  }
  const core::Logger log(settings.log_level);
  const auto policy = load_policy_or_report(settings, log);
  if (!policy) return kExitUsage;

  supervisor::SupervisorOptions options;
  options.spawn.argv = command;
  options.spawn.env = current_environment();
  // The console's token is the defender's, not the app's: the app does not inherit it.
  std::erase_if(options.spawn.env, [](const std::string& e) { return e.rfind("INSTALL_BUNDLE=", 0) == 0; });
  const std::string user = !flags.user.empty() ? flags.user : policy->supervisor.user;
  if (!user.empty()) {
    std::string error;
    options.spawn.credentials = supervisor::resolve_user(user, &error);
    if (!options.spawn.credentials) {
      std::cerr << "defender rasp: --user " << user << ": " << error << "\n";
      return kExitUsage;
    }
    // As `docker run --user` does: HOME is the user's, not root's.
    if (!options.spawn.credentials->home.empty()) {
      std::erase_if(options.spawn.env, [](const std::string& e) { return e.rfind("HOME=", 0) == 0; });
      options.spawn.env.push_back("HOME=" + options.spawn.credentials->home);
    }
  }
  options.signal_process_group = flags.signal_group || policy->supervisor.signal_process_group;
  options.grace_ms = flags.grace_ms.value_or(policy->supervisor.grace_ms);
  options.scan_interval_ms = flags.scan_interval_ms.value_or(policy->supervisor.scan_interval_ms);
  options.scan_whole_namespace = ::getpid() == 1;

  auto local_events = open_events(*policy, settings, log);
  if (!local_events) return kExitRuntime;
  // Every event to the local log, and to the console once its link exists (below).
  EventTee tee(*local_events);
  core::EventSink* events = &tee;

  supervisor::SupervisorStats stats;
  supervisor::ControlReport report;
  std::string error;

  // DNS filter, resolv.conf rewrite, CNAF and metrics: root-only steps, before the user drop.
  supervisor::Controls controls(policy, *events, log, stats);
  supervisor::Controls::Options control_options;
  control_options.resolv_conf_path = flags.resolv_conf;
  control_options.metrics_listen = flags.metrics_listen.value_or(policy->metrics.listen);
  control_options.dns = !flags.no_dns;
  control_options.cnaf = !flags.no_cnaf;
  if (!controls.start(control_options, report, &error)) {
    log.error("rasp", error + "; supervisor.on_control_failure is refuse: not starting the app");
    events->emit(report.to_event());
    return kExitRuntime;
  }

  supervisor::ExecControls exec(policy, *events, log, stats);
  supervisor::ExecControls::Options exec_options;
  exec_options.app_argv = command;
  exec_options.app_env = options.spawn.env;
  exec_options.connector = !flags.no_netlink;
  exec_options.landlock = !flags.no_landlock;
  if (!exec.setup(exec_options, report, &error)) {
    log.error("rasp", error + "; supervisor.on_control_failure is refuse: not starting the app");
    events->emit(report.to_event());
    controls.stop();
    return kExitRuntime;
  }
  options.spawn.exec_filter = exec.filter();
  options.spawn.landlock_ruleset_fd = exec.landlock_fd();

  report.add("user", !user.empty(), user.empty() ? "app runs as the defender's user" : user);

  // One reload path: SIGHUP (handed from the loop to the controls' io thread) and the console.
  PolicyReloader reloader(policy, {settings.policy_path, settings.policy_explicit}, controls, exec, tee, log);
  options.on_reload_signal = [&controls, &reloader, &local_events, &log] {
    log.info("rasp", "SIGHUP: reloading the policy (and forwarding SIGHUP to the app)");
    local_events->reopen();
    boost::asio::post(controls.io(), [&reloader] { reloader.reload_file(nullptr); });
  };

  ConsoleLinkOptions link_options;
  link_options.ws_address = env_or_empty("WS_ADDRESS");
  link_options.install_bundle = env_or_empty("INSTALL_BUNDLE");
  link_options.data_folder = settings.data_folder;
  link_options.app_id = settings.app_id;
  link_options.controls_json = controls_json(report);
  link_options.max_field_bytes = policy->events.max_field_bytes;
  std::string link_detail;
  FirstPolicy first_policy;  // set on the controls' io thread when a console policy applies
  std::unique_ptr<ConsoleLink> link = start_console_link(
      controls.io(), link_options,
      [&reloader, &first_policy](const std::string& text, std::string* why) {
        const bool applied = reloader.apply_text(text, "the console", why);
        if (applied) first_policy.set();
        return applied;
      },
      log, &link_detail);
  if (link) {
    tee.attach(&link->events());
    controls.add_metrics([&link](std::string& out) { link->write_metrics(out); });
    const std::uint32_t wait_ms = policy->supervisor.console_wait_ms;
    report.add("console", true, link_detail + (wait_ms > 0 ? "" : " (connecting in the background)"));
    if (wait_ms > 0) {
      // The policy asks for the console's policy before the app starts.
      const bool got = first_policy.wait_for(std::chrono::milliseconds(wait_ms));
      report.add("console_policy", got,
                 got ? "the console's policy applied before the app started"
                     : "none within supervisor.console_wait_ms (" + std::to_string(wait_ms) +
                           " ms): the local policy serves until it comes");
    }
  } else {
    const bool wanted = !link_options.ws_address.empty() || !link_options.install_bundle.empty();
    if (wanted) log.error("rasp", "console: " + link_detail + "; not connecting, the local policy serves");
    report.add("console", false, link_detail);
  }

  core::Event started = report.to_event();
  started.set("pid", static_cast<std::int64_t>(::getpid())).set("cmdline", command.front());
  events->emit(std::move(started));
  log.info("rasp", report.summary());

  int status = kExitRuntime;
  try {
    supervisor::Supervisor loop(std::move(options), log, stats, exec.guard(), exec.auditor(), exec.connector());
    status = loop.run();
  } catch (const std::system_error& e) {
    log.error("rasp", e.what());
  }
  core::Event stopped;
  stopped.type = "system";
  stopped.action = "info";
  stopped.message = "defender rasp stopped: app exit status " + std::to_string(status);
  stopped.set("status", static_cast<std::int64_t>(status));
  events->emit(std::move(stopped));
  if (link) {
    link->stop(std::chrono::seconds(2));  // what the console has not acknowledged goes to the spool
    tee.attach(nullptr);
  }
  controls.stop();
  local_events->flush();
  return status;
}

}  // namespace

void add_rasp_command(CLI::App& root, Runner& run) {
  auto flags = std::make_shared<RaspFlags>();
  auto* command = root.add_subcommand("rasp", "run CMD as the protected app (container entrypoint)");
  add_common_options(*command, flags->common);
  command->add_option("--user", flags->user, "run the app as USER[:GROUP] after the root-only setup");
  command->add_flag("--signal-group,-g", flags->signal_group,
                    "forward signals to the app's whole process group, not only the app");
  command->add_option("--grace-ms", flags->grace_ms,
                      "after the app exits: SIGTERM to what is left, SIGKILL after this (default: policy, 5000)");
  command->add_option("--scan-interval-ms", flags->scan_interval_ms, "/proc scan period; 0 turns it off");
  command->add_option("--resolv-conf", flags->resolv_conf, "the resolv.conf to rewrite (default /etc/resolv.conf)");
  command->add_option("--metrics-listen", flags->metrics_listen, "ADDR:PORT of /metrics and /healthz; \"\" turns it off");
  command->add_flag("--no-netlink", flags->no_netlink, "do not use the netlink proc connector");
  command->add_flag("--no-landlock", flags->no_landlock, "do not use Landlock for an allowlist");
  command->add_flag("--no-dns", flags->no_dns, "do not run the DNS filter nor rewrite resolv.conf");
  command->add_flag("--no-cnaf", flags->no_cnaf, "do not run the CNAF reverse proxy");
  // Everything from the first positional on is the app's argv, untouched (`sh -c ...` keeps
  // its -c). prefix_command() does that; the positional below never takes a value (its check
  // refuses all), it only makes CLI11 keep a leading `--` here instead of handing it to the
  // root, so `rasp -- CMD` and `rasp CMD` both end up in remaining().
  command->add_option("command", flags->unused_positional, "CMD [ARGS...]: the app and its arguments")
      ->check(CLI::Validator([](std::string&) { return std::string("taken by the app"); }, "", ""));
  command->validate_positionals();
  command->prefix_command();
  command->footer("Everything from CMD on is the app's argv; `--` before it is optional.");
  command->callback([&run, flags, command] {
    run = [flags, command] { return run_rasp(*flags, command->remaining()); };
  });
}

}  // namespace defender::app

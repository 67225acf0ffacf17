// `defender cnaf`: the CNAF reverse proxy alone, in the foreground (SPEC.md "Commands").
// Logs on stderr, events to the policy's events.file. SIGTERM/SIGINT drain (no new
// connections, in-flight requests finish within limits.drain_timeout_ms), SIGHUP reloads the
// policy (connections kept) and reopens the event log.
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/command.h"
#include "cnaf/proxy.h"
#include "cnaf/waf/waf.h"
#include "core/events.h"
#include "policy/loader.h"

namespace defender::app {
namespace {

struct CnafOptions {
  CommonOptions common;
  cnaf::ProxyOptions proxy;
  bool no_http2 = false;
};

int run_cnaf(CnafOptions& options) {
  Settings settings = resolve_settings(options.common);
  const core::Logger log(settings.log_level);
  std::shared_ptr<const policy::Policy> policy = load_policy_or_report(settings, log);
  if (!policy) return kExitUsage;
  if (options.proxy.tls_cert.empty() != options.proxy.tls_key.empty()) {
    std::cerr << "defender cnaf: --tls-cert and --tls-key go together\n";
    return kExitUsage;
  }
  options.proxy.http2 = !options.no_http2;
  // Bad addresses are usage errors, found before anything is opened.
  for (const auto& [what, text] : {std::pair<std::string, std::string>{"--listen", options.proxy.listen},
                                   {"--upstream", options.proxy.upstream}}) {
    boost::asio::ip::tcp::endpoint ignored;
    if (!text.empty()) {
      if (const std::string error = cnaf::parse_endpoint(text, ignored, what == "--upstream"); !error.empty()) {
        std::cerr << "defender cnaf: " << what << " " << error << "\n";
        return kExitUsage;
      }
    }
  }

  std::unique_ptr<core::EventLog> events;
  try {
    events = std::make_unique<core::EventLog>(event_log_options(*policy, settings));
  } catch (const std::exception& e) {
    std::cerr << "defender cnaf: events: " << e.what() << "\n";
    return kExitRuntime;
  }

  // Worker 0 runs here; its sockets, like every worker's, are used on this thread only.
  boost::asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  cnaf::Proxy proxy(io, policy, cnaf::waf::make_inspector, *events, log);
  if (const std::error_code ec = proxy.start(options.proxy)) {
    std::cerr << "defender cnaf: " << proxy.start_error() << "\n";
    return ec == std::errc::invalid_argument ? kExitUsage : kExitRuntime;
  }
  events->emit(core::Event{.type = "system", .action = "info", .rule = "", .message = "cnaf started",
                           .fields = {}, .time_ms = 0});

  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      if (settings.policy_explicit || std::filesystem::exists(settings.policy_path)) {
        policy::LoadResult result = policy::load_policy_file(settings.policy_path);
        if (result.ok()) {
          proxy.reload(result.policy);
          events->emit(core::Event{.type = "system", .action = "info", .rule = "",
                                   .message = "policy reloaded", .fields = {}, .time_ms = 0});
        } else {
          for (const auto& e : result.errors) log.error("cnaf", "reload: " + e.to_string());
          log.error("cnaf", "reload refused; keeping the previous policy");
        }
      }
      events->reopen();
      signals.async_wait(on_signal);
      return;
    }
    log.info("cnaf", "draining (" + std::to_string(policy->cnaf.limits.drain_timeout_ms) + " ms at most)");
    proxy.drain(std::chrono::milliseconds(policy->cnaf.limits.drain_timeout_ms), [&] {
      boost::system::error_code ignored;
      signals.cancel(ignored);
    });
    signals.async_wait([&](const boost::system::error_code& e2, int) {
      if (!e2) proxy.stop();  // a second signal: stop now
      boost::system::error_code ignored;
      signals.cancel(ignored);
    });
  };
  signals.async_wait(on_signal);
  io.run();
  log.info("cnaf", "stopped: " + proxy.stats().to_string());
  events->emit(core::Event{.type = "system", .action = "info", .rule = "", .message = "cnaf stopped",
                           .fields = {}, .time_ms = 0});
  return kExitOk;
}

}  // namespace

void add_cnaf_command(CLI::App& root, Runner& run) {
  auto options = std::make_shared<CnafOptions>();
  auto* command = root.add_subcommand("cnaf", "the CNAF reverse proxy alone, in the foreground");
  add_common_options(*command, options->common);
  command->add_option("--listen", options->proxy.listen, "ADDR:PORT to listen on (default: policy cnaf.listen)");
  command->add_option("--upstream", options->proxy.upstream, "ADDR:PORT of the app (default: policy cnaf.upstream)");
  command->add_option("--tls-cert", options->proxy.tls_cert, "PEM certificate chain: serve HTTPS (h2 and http/1.1)");
  command->add_option("--tls-key", options->proxy.tls_key, "PEM private key of --tls-cert");
  command->add_option("--threads", options->proxy.threads, "I/O threads (default: the number of CPUs)");
  command->add_flag("--no-http2", options->no_http2, "serve HTTP/1.1 only (no h2 ALPN, no h2c)");
  command->add_flag("--cpu-affinity", options->proxy.cpu_affinity,
                    "pin each I/O thread to one of the CPUs the process may use (round robin)");
  command->callback([&run, options] { run = [options] { return run_cnaf(*options); }; });
}

}  // namespace defender::app

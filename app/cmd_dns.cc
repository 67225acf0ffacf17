// `defender dns`: the DNS filter alone, in the foreground (SPEC.md "Commands").
// Logs on stderr, events to the policy's events.file; SIGHUP reloads the policy (loaded on a
// worker thread, swapped atomically; a broken one is refused and the old one keeps serving)
// and reopens the event log; SIGTERM/SIGINT stop cleanly with status 0.
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/command.h"
#include "core/events.h"
#include "dnsproxy/dns_server.h"
#include "dnsproxy/resolv_conf.h"
#include "policy/loader.h"

namespace defender::app {
namespace {

struct DnsOptions {
  CommonOptions common;
  std::string listen;
  std::vector<std::string> upstreams;
  std::string resolv_conf = "/etc/resolv.conf";
};

core::Event system_event(std::string action, std::string message) {
  core::Event event;
  event.type = "system";
  event.action = std::move(action);
  event.message = std::move(message);
  return event;
}

// Upstreams: --upstream flags, else the policy's dns.upstreams, else resolv.conf's
// nameservers (without our own listen address).
std::optional<std::vector<dnsproxy::Upstream>> choose_upstreams(const DnsOptions& options,
                                                                const policy::Policy& policy,
                                                                const dnsproxy::Endpoint& listen,
                                                                const core::Logger& log) {
  std::vector<dnsproxy::Upstream> upstreams;
  const auto& texts = !options.upstreams.empty() ? options.upstreams : policy.dns.upstreams;
  const char* origin = !options.upstreams.empty() ? "--upstream" : "dns.upstreams";
  for (const std::string& text : texts) {
    std::string error;
    const auto endpoint = dnsproxy::parse_endpoint(text, 53, &error);
    if (!endpoint || endpoint->port == 0) {
      std::cerr << "defender dns: " << origin << ": " << (endpoint ? "port 0" : error) << "\n";
      return std::nullopt;
    }
    if (*endpoint == listen) {
      std::cerr << "defender dns: " << origin << " " << text << " is the listen address itself\n";
      return std::nullopt;
    }
    upstreams.push_back({*endpoint});
  }
  if (!upstreams.empty()) return upstreams;
  std::error_code ec;
  const auto conf = dnsproxy::read_resolv_conf(options.resolv_conf, ec, {listen});
  if (ec) {
    std::cerr << "defender dns: cannot read " << options.resolv_conf << ": " << ec.message()
              << " (give --upstream)\n";
    return std::nullopt;
  }
  for (const auto& note : conf.notes) log.info("dns", options.resolv_conf + ":" + note);
  for (const auto& server : conf.nameservers) upstreams.push_back({server});
  if (upstreams.empty()) {
    std::cerr << "defender dns: no usable nameserver in " << options.resolv_conf
              << " (give --upstream)\n";
    return std::nullopt;
  }
  return upstreams;
}

int run_dns(DnsOptions& options) {
  Settings settings = resolve_settings(options.common);
  const core::Logger log(settings.log_level);
  std::shared_ptr<const policy::Policy> policy = load_policy_or_report(settings, log);
  if (!policy) return kExitUsage;

  const std::string listen_text = !options.listen.empty() ? options.listen : policy->dns.listen;
  std::string error;
  const auto listen = dnsproxy::parse_endpoint(listen_text, 53, &error);
  if (!listen) {
    std::cerr << "defender dns: --listen: " << error << "\n";
    return kExitUsage;
  }
  const auto upstreams = choose_upstreams(options, *policy, *listen, log);
  if (!upstreams) return kExitUsage;

  std::unique_ptr<core::EventLog> events;
  try {
    events = std::make_unique<core::EventLog>(event_log_options(*policy, settings));
  } catch (const std::exception& e) {
    std::cerr << "defender dns: events: " << e.what() << "\n";
    return kExitRuntime;
  }

  // One thread runs it; reload results and signals reach it through the (locked) scheduler,
  // while socket operations are only ever started on that thread: no reactor locking needed.
  boost::asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO);
  dnsproxy::DnsServer server(io, policy, *upstreams, *events, log);
  {
    // The search list of the resolv.conf the clients use: names with those suffixes are also
    // judged without them.
    std::error_code unreadable;
    const auto conf = dnsproxy::read_resolv_conf(options.resolv_conf, unreadable, {*listen});
    if (!unreadable) server.set_search_domains(conf.search);
  }
  if (const std::error_code ec = server.start(*listen)) {
    std::cerr << "defender dns: cannot listen on " << listen->to_string() << ": " << ec.message()
              << "\n";
    return kExitRuntime;
  }
  std::string upstream_list;
  for (const auto& upstream : *upstreams) {
    upstream_list += (upstream_list.empty() ? "" : ", ") + upstream.endpoint.to_string();
  }
  log.info("dns", "listening on " + server.local_endpoint().to_string() + " (udp, tcp); upstreams " +
                      upstream_list + "; policy " + (policy->path.empty() ? "built-in" : policy->path));
  events->emit(system_event("info", "dns filter started on " + server.local_endpoint().to_string()));

  // Reloads run on a worker thread (a large list takes a while to build); one at a time.
  std::thread reloader;
  bool reload_again = false;
  bool reloading = false;
  std::function<void()> start_reload;
  start_reload = [&] {
    if (reloading) {
      reload_again = true;
      return;
    }
    reloading = true;
    if (reloader.joinable()) reloader.join();
    reloader = std::thread([&, path = settings.policy_path, explicit_policy = settings.policy_explicit] {
      std::shared_ptr<const policy::Policy> fresh;
      std::string problems;
      if (!explicit_policy && !std::filesystem::exists(path)) {
        fresh = policy::builtin_policy();
      } else {
        policy::LoadResult result = policy::load_policy_file(path);
        for (const auto& e : result.errors) problems += (problems.empty() ? "" : "; ") + e.to_string();
        fresh = std::move(result.policy);
      }
      boost::asio::post(io, [&, path, fresh, problems] {
        reloading = false;
        events->reopen();
        if (fresh) {
          server.reload(fresh);
          log.info("dns", "policy reloaded from " + path);
          events->emit(system_event("info", "policy reloaded from " + path));
        } else {
          log.error("dns", "reload refused, the previous policy keeps serving: " + problems);
          events->emit(system_event("info", "policy reload refused (previous policy kept): " + problems));
        }
        if (reload_again) {
          reload_again = false;
          start_reload();
        }
      });
    });
  };

  boost::asio::signal_set signals(io, SIGHUP, SIGTERM, SIGINT);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) {
          log.info("dns", "SIGHUP: reloading the policy");
          start_reload();
          signals.async_wait(on_signal);
          return;
        }
        log.info("dns", std::string("stopping on ") + (signal == SIGTERM ? "SIGTERM" : "SIGINT"));
        server.stop();
        io.stop();
      };
  signals.async_wait(on_signal);
  // SIGPIPE would kill us on a client that closed mid-write; asio reports EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);

  io.run();
  if (reloader.joinable()) reloader.join();
  const auto& stats = server.stats();
  log.info("dns", "stopped: " + std::to_string(stats.queries_udp.load() + stats.queries_tcp.load()) +
                      " queries, " + std::to_string(stats.blocked.load()) + " blocked, " +
                      std::to_string(stats.forwarded.load()) + " forwarded");
  events->emit(system_event("info", "dns filter stopped"));
  events->flush();
  return kExitOk;
}

}  // namespace

void add_dns_command(CLI::App& root, Runner& run) {
  auto options = std::make_shared<DnsOptions>();
  auto* command = root.add_subcommand("dns", "the DNS filter alone, in the foreground");
  add_common_options(*command, options->common);
  command->add_option("--listen", options->listen,
                      "ADDR:PORT to serve on, UDP and TCP (default: the policy's dns.listen, 127.0.0.1:53)");
  command->add_option("--upstream", options->upstreams,
                      "ADDR[:PORT] of a resolver to forward to (repeatable; default: the policy's "
                      "dns.upstreams, else the nameservers of --resolv-conf)");
  command->add_option("--resolv-conf", options->resolv_conf,
                      "where the default upstreams are read from (default /etc/resolv.conf)");
  command->callback([&run, options] { run = [options] { return run_dns(*options); }; });
}

}  // namespace defender::app

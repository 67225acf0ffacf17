// `defender console`: the console (SPEC.md): API and web UI over HTTPS, the defender channel
// over WSS, the SQLite store in the data folder. Runs in the foreground until SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <thread>

#include "app/command.h"
#include "console/console_server.h"

namespace defender::app {
namespace {

struct ConsoleFlags {
  console::ConsoleOptions options;
  std::string log_level = "info";
  long session_ttl_seconds = 8 * 3600;
  long handshake_timeout_ms = 10'000;
  long idle_timeout_ms = 120'000;
};

int run_console(ConsoleFlags& flags) {
  const auto level = core::parse_log_level(flags.log_level);
  if (!level) {
    std::cerr << "defender console: --log-level: expected debug, info, warn or error\n";
    return kExitUsage;
  }
  if (flags.session_ttl_seconds < 1 || flags.handshake_timeout_ms < 1 || flags.idle_timeout_ms < 1000 ||
      flags.options.threads < 1 || flags.options.threads > 256 ||
      flags.options.api_threads < 1 || flags.options.api_threads > 64 || flags.options.max_events < 1) {
    std::cerr << "defender console: timeouts, --threads and --max-events must be positive\n";
    return kExitUsage;
  }
  flags.options.session_ttl = std::chrono::seconds(flags.session_ttl_seconds);
  flags.options.channel.handshake_timeout = std::chrono::milliseconds(flags.handshake_timeout_ms);
  flags.options.channel.idle_timeout = std::chrono::milliseconds(flags.idle_timeout_ms);
  const core::Logger log(*level);

  // SIGINT/SIGTERM are taken by one thread with sigwait(); every other thread blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<console::ConsoleServer> server;
  try {
    server = std::make_unique<console::ConsoleServer>(flags.options, log, std::cout);
  } catch (const std::exception& e) {
    std::cerr << "defender console: " << e.what() << "\n";
    return kExitRuntime;
  }
  std::cout << "console: API https://127.0.0.1:" << server->api_port() << "/ defenders wss://127.0.0.1:"
            << server->defender_port() << std::endl;
  std::thread waiter([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    server->stop();
  });
  server->run();
  // run() also returns when stop() came from elsewhere: wake the waiter if it still waits.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  log.info("console", "stopped");
  return kExitOk;
}

}  // namespace

void add_console_command(CLI::App& root, Runner& run) {
  auto flags = std::make_shared<ConsoleFlags>();
  auto& o = flags->options;
  auto* command = root.add_subcommand("console", "the console: API and web UI, defender channel, store");
  command->add_option("--api-listen", o.api_listen, "API and web UI, ADDR:PORT (default 0.0.0.0:8083)");
  command->add_option("--defender-listen", o.defender_listen,
                      "defender channel, ADDR:PORT (default 0.0.0.0:8084)");
  command->add_option("--data-folder", o.data_folder,
                      "store, TLS material (default /var/lib/defender-console)");
  command->add_option("--admin-password-file", o.admin_password_file,
                      "first start: the admin's password (else one is generated and printed once)");
  command->add_option("--tls-cert", o.tls_cert, "server certificate chain (PEM) instead of the generated one");
  command->add_option("--tls-key", o.tls_key, "its private key (PEM)");
  command->add_option("--tls-ca", o.tls_ca, "the CA defenders should trust (PEM; default: --tls-cert)");
  command->add_option("--hostname", o.hostnames, "extra name for the generated certificate (repeatable)");
  command->add_option("--public-address", o.public_ws_address,
                      "defender channel address that bundles name (default wss://<Host header>:<port>)");
  command->add_option("--defender-binary", o.defender_binary,
                      "static defender for downloads and embed (default: one beside this binary)");
  command->add_option("--threads", o.threads, "defender channel I/O threads (default 2)");
  command->add_option("--api-threads", o.api_threads, "API and web UI I/O threads, apart from the channel's (default 1)");
  command->add_option("--session-ttl", flags->session_ttl_seconds, "web UI session lifetime, seconds (default 28800)");
  command->add_option("--max-events", o.max_events, "events kept; older ones are deleted (default 5000000)");
  command->add_option("--max-body-bytes", o.max_body_bytes, "largest API request body (default 8 MiB)");
  command->add_option("--handshake-timeout-ms", flags->handshake_timeout_ms,
                      "defender TLS + WebSocket + register deadline (default 10000)");
  command->add_option("--idle-timeout-ms", flags->idle_timeout_ms, "silent defender connection limit (default 120000)");
  command->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  command->callback([&run, flags] { run = [flags] { return run_console(*flags); }; });
}

}  // namespace defender::app

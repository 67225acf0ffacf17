// Proxy: the CNAF reverse proxy, embeddable (the supervisor runs it in-process; `defender cnaf`
// runs it alone). It runs `threads` workers: worker 0 on the caller's io_context (the caller
// runs it), the others each on an io_context and thread of their own; every worker accepts on
// the listen address (SO_REUSEPORT) and keeps its connections to itself.
//
// Sealed at start: listen and upstream addresses, TLS, thread count. Swapped by reload(): the
// policy (limits, timeouts, block status) and the inspector built from it. start/reload/drain/
// stop may be called from any thread; stats() too.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cnaf/inspector.h"
#include "cnaf/proxy_stats.h"
#include "core/events.h"
#include "core/log.h"
#include "policy/policy.h"

namespace defender::cnaf {

class Worker;
struct SharedState;

using InspectorFactory = std::function<std::shared_ptr<Inspector>(const policy::Policy&)>;

// Overrides of the policy's cnaf settings (flags); empty/zero: the policy's value.
struct ProxyOptions {
  std::string listen;    // ADDR:PORT ("[::1]:8080" for IPv6)
  std::string upstream;  // ADDR:PORT; a name is resolved once at start
  std::string tls_cert;
  std::string tls_key;
  unsigned threads = 0;  // 0: one per CPU the process may use
  bool http2 = true;     // offer h2 (ALPN), accept h2c prior knowledge and Upgrade
  // Pin I/O thread i to the i-th CPU the process may run on (round robin); the calling
  // thread, which runs worker 0, included. Off: the scheduler places the threads.
  bool cpu_affinity = false;
};

class Proxy {
 public:
  Proxy(boost::asio::io_context& io, std::shared_ptr<const policy::Policy> policy,
        InspectorFactory make_inspector, core::EventSink& events, const core::Logger& log);
  ~Proxy();  // stop() and join the worker threads
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Binds, builds the TLS context, starts the workers. On failure returns the error and
  // start_error() says what failed in one line (e.g. "listen 0.0.0.0:80: Permission denied").
  std::error_code start(const ProxyOptions& options = {});
  const std::string& start_error() const { return start_error_; }
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  // A new policy: a new inspector from the factory, then every worker switches at its next
  // request. Connections are kept. Throws nothing; a failing factory keeps the old config.
  void reload(std::shared_ptr<const policy::Policy> policy);
  // Stops accepting; in-flight requests finish (HTTP/2: GOAWAY) for at most `timeout`, then
  // stop(). `done` runs on the caller's io_context when everything is closed.
  void drain(std::chrono::milliseconds timeout, std::function<void()> done = {});
  void stop();

  ProxyStatsSnapshot stats() const;
  unsigned threads() const { return static_cast<unsigned>(workers_.size()); }

 private:
  void poll_drain(std::chrono::steady_clock::time_point until, std::function<void()> done);

  boost::asio::io_context& io_;
  std::shared_ptr<const policy::Policy> policy_;
  InspectorFactory make_inspector_;
  core::EventSink& events_;
  const core::Logger& log_;
  std::shared_ptr<SharedState> shared_;
  std::vector<std::shared_ptr<Worker>> workers_;
  std::vector<std::unique_ptr<boost::asio::io_context>> own_ios_;  // workers 1..N-1
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  boost::asio::steady_timer drain_timer_;
  std::string start_error_;
  bool stopped_ = false;
};

// "ADDR:PORT" / "[V6]:PORT" -> endpoint (numeric addresses; names resolved). Empty error on success.
std::string parse_endpoint(const std::string& text, boost::asio::ip::tcp::endpoint& out, bool resolve);

}  // namespace defender::cnaf

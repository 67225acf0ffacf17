#include "cnaf/proxy.h"

#include <pthread.h>
#include <sched.h>

#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "cnaf/tls_context.h"
#include "cnaf/worker.h"

namespace defender::cnaf {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// The CPUs this process may run on (its affinity mask: a container's cpuset); empty when the
// system does not say.
std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  }
  return cpus;
}

}  // namespace

std::string parse_endpoint(const std::string& text, asio::ip::tcp::endpoint& out, bool resolve) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return "'" + text + "' is not [ADDR]:PORT";
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return "'" + text + "' is not ADDR:PORT";
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned long port_number = 0;
  try {
    std::size_t used = 0;
    port_number = std::stoul(port, &used);
    if (used != port.size() || port_number > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return "'" + text + "': bad port";
  }
  error_code ec;
  const auto addr = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (!ec) {
    out = asio::ip::tcp::endpoint(addr, static_cast<unsigned short>(port_number));
    return {};
  }
  if (!resolve) return "'" + text + "': not a numeric address";
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) return "'" + text + "': cannot resolve " + host + ": " + ec.message();
  out = results.begin()->endpoint();
  return {};
}

Proxy::Proxy(asio::io_context& io, std::shared_ptr<const policy::Policy> policy,
             InspectorFactory make_inspector, core::EventSink& events, const core::Logger& log)
    : io_(io),
      policy_(std::move(policy)),
      make_inspector_(std::move(make_inspector)),
      events_(events),
      log_(log),
      shared_(std::make_shared<SharedState>()),
      drain_timer_(io) {}

Proxy::~Proxy() {
  stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  // The workers go first (their timers and acceptors belong to the io_contexts below); one
  // still held by a pending coroutine is released when its io_context is destroyed, which
  // destroys the pending coroutines (sessions) while the io_context's services still exist.
  workers_.clear();
  own_ios_.clear();
}

std::error_code Proxy::start(const ProxyOptions& options) {
  const policy::CnafSettings& cnaf = policy_->cnaf;
  auto sealed = std::make_shared<SealedSettings>();
  sealed->http2 = options.http2;
  const std::string listen_text = options.listen.empty() ? cnaf.listen : options.listen;
  const std::string upstream_text = options.upstream.empty() ? cnaf.upstream : options.upstream;
  asio::ip::tcp::endpoint listen;
  if (auto err = parse_endpoint(listen_text, listen, false); !err.empty()) {
    start_error_ = "listen " + err;
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (auto err = parse_endpoint(upstream_text, sealed->upstream, true); !err.empty()) {
    start_error_ = "upstream " + err;
    return std::make_error_code(std::errc::invalid_argument);
  }
  sealed->upstream_authority = upstream_text;
  const std::string cert = options.tls_cert.empty() ? cnaf.tls.cert : options.tls_cert;
  const std::string key = options.tls_key.empty() ? cnaf.tls.key : options.tls_key;
  if (cert.empty() != key.empty()) {
    start_error_ = "tls: both a certificate and a key are needed";
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (!cert.empty()) {
    try {
      sealed->tls = std::make_shared<TlsContext>(cert, key, sealed->http2);
    } catch (const std::exception& e) {
      start_error_ = e.what();
      return std::make_error_code(std::errc::invalid_argument);
    }
  }

  std::shared_ptr<Inspector> inspector;
  try {
    if (make_inspector_) inspector = make_inspector_(*policy_);
  } catch (const std::exception& e) {
    start_error_ = std::string("inspector: ") + e.what();
    return std::make_error_code(std::errc::invalid_argument);
  }
  auto config = make_proxy_config(policy_, std::move(inspector));

  // Default: one thread per CPU this process may use (a container's cpuset, not the host's).
  const std::vector<int> allowed = allowed_cpus();
  unsigned threads = options.threads;
  if (threads == 0) threads = allowed.empty() ? std::thread::hardware_concurrency() : static_cast<unsigned>(allowed.size());
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) {
    asio::io_context* io = &io_;
    if (i > 0) {
      // No reactor I/O locking: a worker's sockets are only ever touched on its own thread
      // (connections move between workers as descriptors, adopted by the target's thread).
      own_ios_.push_back(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
      io = own_ios_.back().get();
    }
    auto worker = std::make_shared<Worker>(*io, sealed, config, shared_, events_, log_, i > 0);
    if (const std::error_code ec = worker->open(listen)) {
      start_error_ = "listen " + listen_text + ": " + ec.message();
      own_ios_.clear();
      workers_.clear();
      return ec;
    }
    if (i == 0) listen = worker->local_endpoint();  // port 0: the others bind the same port
    workers_.push_back(std::move(worker));
  }
  std::vector<std::weak_ptr<Worker>> peers(workers_.begin(), workers_.end());
  for (auto& w : workers_) w->set_peers(peers);
  for (auto& w : workers_) w->start();
  const std::vector<int> cpus = options.cpu_affinity ? allowed : std::vector<int>{};
  if (options.cpu_affinity && cpus.empty())
    log_.warn("cnaf", "cpu affinity: cannot read the CPUs this process may use; threads not pinned");
  // Pins the calling thread to the CPU for worker `i`; false when the system refused.
  const auto pin = [cpus](std::size_t i) {
    if (cpus.empty()) return true;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpus[i % cpus.size()], &one);
    return ::pthread_setaffinity_np(::pthread_self(), sizeof one, &one) == 0;
  };
  for (std::size_t i = 0; i < own_ios_.size(); ++i) {
    guards_.push_back(asio::make_work_guard(*own_ios_[i]));
    threads_.emplace_back([io = own_ios_[i].get(), pin, i] {
      pin(i + 1);
      io->run();
    });
  }
  // The calling thread (worker 0) last: threads started after it would inherit its one CPU.
  if (!pin(0)) log_.warn("cnaf", "cpu affinity: pinning refused; threads not pinned");
  log_.info("cnaf", "listening on " + listen_text + " (" + std::to_string(threads) + " threads" +
                        (cpus.empty() ? "" : ", pinned") + (sealed->tls ? ", tls" : "") + "), upstream " +
                        upstream_text);
  return {};
}

asio::ip::tcp::endpoint Proxy::local_endpoint() const {
  return workers_.empty() ? asio::ip::tcp::endpoint() : workers_.front()->local_endpoint();
}

void Proxy::reload(std::shared_ptr<const policy::Policy> policy) {
  std::shared_ptr<Inspector> inspector;
  try {
    if (make_inspector_) inspector = make_inspector_(*policy);
  } catch (const std::exception& e) {
    log_.error("cnaf", std::string("reload: inspector: ") + e.what() + "; keeping the previous policy");
    return;
  }
  auto config = make_proxy_config(std::move(policy), std::move(inspector));
  for (auto& w : workers_) w->set_config(config);
  log_.info("cnaf", "policy reloaded");
}

void Proxy::drain(std::chrono::milliseconds timeout, std::function<void()> done) {
  for (auto& w : workers_) w->drain();
  poll_drain(std::chrono::steady_clock::now() + timeout, std::move(done));
}

void Proxy::poll_drain(std::chrono::steady_clock::time_point until, std::function<void()> done) {
  if (shared_->active_connections.load() == 0 || std::chrono::steady_clock::now() >= until) {
    stop();
    if (done) asio::post(io_, std::move(done));
    return;
  }
  drain_timer_.expires_after(std::chrono::milliseconds(20));
  drain_timer_.async_wait([this, until, done = std::move(done)](const error_code& ec) mutable {
    if (ec) return;
    poll_drain(until, std::move(done));
  });
}

void Proxy::stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  drain_timer_.cancel();
  for (auto& w : workers_) w->stop();
  for (auto& g : guards_) g.reset();
}

ProxyStatsSnapshot Proxy::stats() const {
  ProxyStatsSnapshot s;
  for (const auto& w : workers_) w->stats().add_to(s);
  s.connections_active = shared_->active_connections.load(std::memory_order_relaxed);
  return s;
}

}  // namespace defender::cnaf

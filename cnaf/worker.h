// Worker: one I/O thread's share of the proxy. It owns an acceptor on the listen address
// (SO_REUSEPORT: the kernel spreads the accepting across workers; each accepted connection
// then goes to the worker serving the fewest, as the kernel's hash of a few dozen
// keep-alive connections can load one thread twice as much as another), the upstream pool, the
// request id generator, a stats shard and the list of its live connections, whose deadlines a
// coarse tick checks (one timer per worker instead of one per connection). Everything here
// runs on the worker's io_context thread; set_config/drain/stop may be called from any thread
// and post to it. No socket of a worker is touched from another thread: the io_contexts run
// without reactor I/O locking (BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO). Sessions hold a
// shared_ptr to their Worker, so it outlives them.
#pragma once

#include <utility>  // before asio/awaitable.hpp (Boost 1.74 misses it)
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/intrusive/list.hpp>

#include "cnaf/http1_request_parser.h"
#include "cnaf/inspector.h"
#include "cnaf/proxy_stats.h"
#include "cnaf/request_id.h"
#include "cnaf/upstream_pool.h"
#include "core/events.h"
#include "core/log.h"
#include "policy/policy.h"

namespace defender::cnaf {

class TlsContext;

// What a reload swaps: the policy, the inspector built from it, and values derived once.
struct ProxyConfig {
  std::shared_ptr<const policy::Policy> policy;
  std::shared_ptr<Inspector> inspector;
  policy::CnafLimits limits;
  RequestLimits request_limits;
  int block_status = 403;
  policy::Mode protocol_mode = policy::Mode::prevent;
  bool inspect_body = true;  // false for the allow-all inspector: bodies stream untouched
};
std::shared_ptr<const ProxyConfig> make_proxy_config(std::shared_ptr<const policy::Policy> policy,
                                                     std::shared_ptr<Inspector> inspector);

// Sealed at start; a reload does not change these.
struct SealedSettings {
  boost::asio::ip::tcp::endpoint upstream;
  std::string upstream_authority;  // "127.0.0.1:8081": Host for HTTP/1.0 clients without one
  std::shared_ptr<TlsContext> tls;
  bool http2 = true;
};

// State shared by all workers (and by sessions that may outlive the Proxy object).
struct SharedState {
  std::atomic<std::uint64_t> active_connections{0};
};

// Something with a deadline and a say in drain/stop: a downstream connection.
class Timed : public boost::intrusive::list_base_hook<
                  boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~Timed() = default;
  virtual void on_deadline() = 0;  // the deadline passed (it has been cleared)
  virtual void on_drain() = 0;     // finish the current request, take no new one
  virtual void on_stop() = 0;      // close now
  void set_deadline(std::chrono::milliseconds d) { deadline_ = Clock::now() + d; }
  void clear_deadline() { deadline_ = Clock::time_point::max(); }
  Clock::time_point deadline() const { return deadline_; }

 private:
  Clock::time_point deadline_ = Clock::time_point::max();
};

class Worker : public std::enable_shared_from_this<Worker> {
 public:
  // How often deadlines are checked: timeouts fire up to this late.
  static constexpr std::chrono::milliseconds kTick{100};

  Worker(boost::asio::io_context& io, std::shared_ptr<const SealedSettings> sealed,
         std::shared_ptr<const ProxyConfig> config, std::shared_ptr<SharedState> shared,
         core::EventSink& events, const core::Logger& log, bool owns_io);
  ~Worker();

  std::error_code open(const boost::asio::ip::tcp::endpoint& endpoint);
  // Every worker of the proxy, this one included (weak: the Proxy owns them); before start().
  void set_peers(std::vector<std::weak_ptr<Worker>> peers) { peers_ = std::move(peers); }
  // Connections this worker serves or has been handed and not yet started: its load.
  std::uint64_t load() const;
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void start();
  void set_config(std::shared_ptr<const ProxyConfig> config);
  void drain();
  void stop();

  // For sessions, on the worker's thread.
  boost::asio::io_context& io() { return io_; }
  const std::shared_ptr<const ProxyConfig>& config() const { return config_; }
  const SealedSettings& sealed() const { return *sealed_; }
  ProxyStats& stats() { return stats_; }
  const ProxyStats& stats() const { return stats_; }
  UpstreamPool& pool() { return pool_; }
  // A connection to the app: an idle pooled one (counted as reused), else null; then a new one
  // the session connects (so that its deadline can cancel it): true when connected (counted,
  // no Nagle), false when the connect failed or was cancelled (counted, logged at debug).
  std::unique_ptr<UpstreamConnection> pooled_upstream();
  std::unique_ptr<UpstreamConnection> new_upstream();
  boost::asio::awaitable<bool> connect(UpstreamConnection& connection);
  RequestIdGenerator& ids() { return ids_; }
  core::EventSink& events() { return events_; }
  const core::Logger& log() const { return log_; }
  SharedState& shared() { return *shared_; }
  bool draining() const { return draining_; }
  void link(Timed& t) { timed_.push_back(t); }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> tick_loop();
  void start_session(boost::asio::ip::tcp::socket socket);
  // The worker with the lowest load(), this one on a tie.
  std::shared_ptr<Worker> least_loaded();
  // On this worker's thread: serve a connection another worker accepted (fd: its descriptor).
  void adopt(int fd);

  using TimedList = boost::intrusive::list<Timed, boost::intrusive::constant_time_size<false>>;

  boost::asio::io_context& io_;
  std::shared_ptr<const SealedSettings> sealed_;
  std::shared_ptr<const ProxyConfig> config_;
  std::shared_ptr<SharedState> shared_;
  core::EventSink& events_;
  const core::Logger& log_;
  bool owns_io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp protocol_ = boost::asio::ip::tcp::v4();
  std::vector<std::weak_ptr<Worker>> peers_;
  std::atomic<std::uint64_t> incoming_{0};  // handed over by another worker, not yet started
  boost::asio::steady_timer tick_;
  ProxyStats stats_;
  UpstreamPool pool_;
  RequestIdGenerator ids_;
  TimedList timed_;
  bool draining_ = false;
  bool stopped_ = false;
};

}  // namespace defender::cnaf

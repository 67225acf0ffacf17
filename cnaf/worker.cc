#include "cnaf/worker.h"

#include <unistd.h>

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cnaf/http1_session.h"
#include "cnaf/tls_context.h"

namespace defender::cnaf {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

std::shared_ptr<const ProxyConfig> make_proxy_config(std::shared_ptr<const policy::Policy> policy,
                                                     std::shared_ptr<Inspector> inspector) {
  auto config = std::make_shared<ProxyConfig>();
  const policy::CnafSettings& cnaf = policy->cnaf;
  config->limits = cnaf.limits;
  config->request_limits.max_header_bytes = cnaf.limits.max_header_bytes;
  config->request_limits.max_header_count = cnaf.limits.max_header_count;
  config->request_limits.max_body_bytes = cnaf.limits.max_body_bytes;
  config->block_status = static_cast<int>(cnaf.block_status);
  config->protocol_mode = cnaf.protections.protocol;
  if (!inspector) inspector = std::make_shared<AllowAllInspector>();
  config->inspect_body = dynamic_cast<AllowAllInspector*>(inspector.get()) == nullptr &&
                         cnaf.limits.inspect_body_bytes > 0;
  config->inspector = std::move(inspector);
  config->policy = std::move(policy);
  return config;
}

Worker::Worker(asio::io_context& io, std::shared_ptr<const SealedSettings> sealed,
               std::shared_ptr<const ProxyConfig> config, std::shared_ptr<SharedState> shared,
               core::EventSink& events, const core::Logger& log, bool owns_io)
    : io_(io),
      sealed_(std::move(sealed)),
      config_(std::move(config)),
      shared_(std::move(shared)),
      events_(events),
      log_(log),
      owns_io_(owns_io),
      acceptor_(io),
      tick_(io),
      pool_(config_->limits.upstream_pool_size) {}

Worker::~Worker() = default;

std::error_code Worker::open(const asio::ip::tcp::endpoint& endpoint) {
  error_code ec;
  protocol_ = endpoint.protocol();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) {
    const int one = 1;
    if (::setsockopt(acceptor_.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
      ec.assign(errno, boost::system::system_category());
    }
  }
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
  }
  return ec;
}

asio::ip::tcp::endpoint Worker::local_endpoint() const {
  error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Worker::start() {
  auto self = shared_from_this();
  asio::co_spawn(io_, [self] { return self->accept_loop(); }, asio::detached);
  asio::co_spawn(io_, [self] { return self->tick_loop(); }, asio::detached);
}

void Worker::set_config(std::shared_ptr<const ProxyConfig> config) {
  asio::post(io_, [self = shared_from_this(), config = std::move(config)]() mutable {
    self->pool_.set_max_idle(config->limits.upstream_pool_size);
    self->config_ = std::move(config);
  });
}

void Worker::drain() {
  asio::post(io_, [self = shared_from_this()] {
    self->draining_ = true;
    error_code ignored;
    self->acceptor_.close(ignored);
    self->pool_.clear();
    for (Timed& t : self->timed_) t.on_drain();
  });
}

void Worker::stop() {
  asio::post(io_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->draining_ = true;
    error_code ignored;
    self->acceptor_.close(ignored);
    self->tick_.cancel();
    self->pool_.clear();
    for (Timed& t : self->timed_) t.on_stop();
    if (self->owns_io_) self->io_.stop();
  });
}

awaitable<void> Worker::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    asio::ip::tcp::socket socket(io_);
    error_code ec;
    co_await acceptor_.async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (!acceptor_.is_open() || stopped_) co_return;
    if (ec) {
      // Out of descriptors and the like: wait a moment instead of spinning.
      log_.warn("cnaf", "accept: " + ec.message());
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    ProxyStats::add(stats_.connections_accepted);
    if (shared_->active_connections.load(std::memory_order_relaxed) >= config_->limits.max_connections) {
      ProxyStats::add(stats_.connections_refused);
      socket.close(ec);
      continue;
    }
    std::shared_ptr<Worker> target = least_loaded();
    if (target.get() == this) {
      start_session(std::move(socket));
      continue;
    }
    // The socket is registered with this worker's reactor: hand over its descriptor.
    const int fd = socket.release(ec);
    if (ec) {
      socket.close(ec);
      continue;
    }
    target->incoming_.fetch_add(1, std::memory_order_relaxed);
    // Closed unless adopted (the target's io_context may stop before it runs the handler).
    auto owned = std::shared_ptr<int>(new int(fd), [](int* p) {
      if (*p >= 0) ::close(*p);
      delete p;
    });
    asio::post(target->io_, [target, owned] {
      const int adopted = std::exchange(*owned, -1);
      target->adopt(adopted);
    });
  }
}

std::uint64_t Worker::load() const {
  return stats_.connections_active.load(std::memory_order_relaxed) +
         incoming_.load(std::memory_order_relaxed);
}

std::shared_ptr<Worker> Worker::least_loaded() {
  std::shared_ptr<Worker> best = shared_from_this();
  std::uint64_t best_load = load();
  for (const auto& weak : peers_) {
    auto peer = weak.lock();
    if (!peer || peer.get() == this) continue;
    const std::uint64_t l = peer->load();
    if (l < best_load) {
      best = std::move(peer);
      best_load = l;
    }
  }
  return best;
}

void Worker::adopt(int fd) {
  incoming_.fetch_sub(1, std::memory_order_relaxed);
  asio::ip::tcp::socket socket(io_);
  error_code ec;
  socket.assign(protocol_, fd, ec);
  if (ec) {
    ::close(fd);
    return;
  }
  if (draining_) return;  // the socket closes: no new connection while draining
  start_session(std::move(socket));
}

void Worker::start_session(asio::ip::tcp::socket socket) {
  error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  asio::ip::address addr = remote.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  }
  std::string client_ip = addr.to_string();
  if (sealed_->tls) {
    auto stream = std::make_unique<TlsStream>(std::move(socket), sealed_->tls->native());
    std::make_shared<Http1Session<TlsStream>>(shared_from_this(), std::move(stream), std::move(client_ip))->start();
  } else {
    auto stream = std::make_unique<TcpStream>(std::move(socket));
    std::make_shared<Http1Session<TcpStream>>(shared_from_this(), std::move(stream), std::move(client_ip))->start();
  }
}

std::unique_ptr<UpstreamConnection> Worker::pooled_upstream() {
  auto connection = pool_.take();
  if (connection) ProxyStats::add(stats_.upstream_reused);
  return connection;
}

std::unique_ptr<UpstreamConnection> Worker::new_upstream() {
  return std::make_unique<UpstreamConnection>(io_.get_executor());
}

awaitable<bool> Worker::connect(UpstreamConnection& connection) {
  error_code ec;
  co_await connection.socket.async_connect(sealed_->upstream, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    ProxyStats::add(stats_.upstream_connect_errors);
    if (log_.enabled(core::LogLevel::debug)) log_.debug("cnaf", "upstream connect: " + ec.message());
    co_return false;
  }
  ProxyStats::add(stats_.upstream_connections);
  connection.socket.set_option(asio::ip::tcp::no_delay(true), ec);
  co_return true;
}

awaitable<void> Worker::tick_loop() {
  auto self = shared_from_this();
  while (!stopped_) {
    tick_.expires_after(kTick);
    error_code ec;
    co_await tick_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (stopped_) co_return;
    const auto now = Timed::Clock::now();
    for (auto it = timed_.begin(); it != timed_.end();) {
      Timed& t = *it++;
      if (t.deadline() <= now) {
        t.clear_deadline();
        t.on_deadline();
      }
    }
  }
}

}  // namespace defender::cnaf

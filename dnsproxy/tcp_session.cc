#include "dnsproxy/tcp_session.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "dnsproxy/server_impl.h"

namespace defender::dnsproxy {

namespace asio = boost::asio;

TcpSession::TcpSession(std::shared_ptr<DnsServer::Impl> server, tcp::socket socket)
    : server_(std::move(server)),
      socket_(std::move(socket)),
      idle_timer_(server_->io),
      wake_timer_(server_->io) {
  boost::system::error_code ec;
  remote_ = socket_.remote_endpoint(ec).address();
  socket_.set_option(tcp::no_delay(true), ec);
}

void TcpSession::start() {
  asio::co_spawn(server_->io, [self = shared_from_this()] { return self->read_loop(); },
                 asio::detached);
}

void TcpSession::arm_idle() {
  idle_timer_.expires_after(server_->tcp_idle);
  idle_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self || self->closed_) return;
    // Idle: waiting for a query with no answer owed.
    if (self->reading_ && self->outstanding_ == 0) {
      self->close();
    } else {
      self->arm_idle();
    }
  });
}

asio::awaitable<void> TcpSession::read_loop() {
  auto self = shared_from_this();
  std::vector<std::uint8_t> message;
  std::uint8_t length_bytes[2];
  arm_idle();
  while (!closed_) {
    boost::system::error_code ec;
    reading_ = true;
    co_await asio::async_read(socket_, asio::buffer(length_bytes),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec || closed_) break;
    const std::size_t length = load16(length_bytes);
    message.resize(length);
    co_await asio::async_read(socket_, asio::buffer(message),
                              asio::redirect_error(asio::use_awaitable, ec));
    reading_ = false;
    if (ec || closed_) break;
    idle_timer_.cancel();
    arm_idle();
    bump(server_->stats.queries_tcp);
    ++outstanding_;
    Downstream downstream;
    downstream.session = self;
    server_->handle_query(message, downstream, Clock::now());
    while (outstanding_ >= kMaxOutstanding && !closed_) {
      wake_timer_.expires_at(Clock::time_point::max());
      co_await wake_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }
  close();
}

void TcpSession::send(std::span<const std::uint8_t> answer) {
  if (outstanding_ > 0) --outstanding_;
  if (outstanding_ < kMaxOutstanding) wake_timer_.cancel();
  if (closed_) return;
  std::vector<std::uint8_t> framed(answer.size() + 2);
  store16(framed.data(), static_cast<std::uint16_t>(answer.size()));
  std::copy(answer.begin(), answer.end(), framed.begin() + 2);
  out_.push_back(std::move(framed));
  write_next();
}

void TcpSession::write_next() {
  if (writing_ || out_.empty() || closed_) return;
  writing_ = true;
  asio::async_write(socket_, asio::buffer(out_.front()),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (ec) {
      self->close();
      return;
    }
    self->out_.pop_front();
    self->write_next();
  });
}

void TcpSession::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  idle_timer_.cancel();
  wake_timer_.cancel();
  out_.clear();
  if (!server_->stopped) {
    server_->sessions.erase(registry_entry);
    --server_->session_count;
  }
}

void accept_tcp(std::shared_ptr<DnsServer::Impl> server) {
  server->acceptor->async_accept([server](const boost::system::error_code& ec, tcp::socket socket) {
    if (server->stopped) return;
    if (ec) {
      // EMFILE and friends: back off a little rather than spin on the error.
      if (ec != asio::error::operation_aborted) {
        auto timer = std::make_shared<asio::steady_timer>(server->io, std::chrono::milliseconds(50));
        timer->async_wait([server, timer](const boost::system::error_code&) {
          if (!server->stopped) accept_tcp(server);
        });
      }
      return;
    }
    bump(server->stats.tcp_connections);
    if (server->session_count >= server->max_tcp_clients) {
      bump(server->stats.tcp_refused);
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      auto session = std::make_shared<TcpSession>(server, std::move(socket));
      server->sessions.push_front(session);
      session->registry_entry = server->sessions.begin();
      ++server->session_count;
      session->start();
    }
    accept_tcp(server);
  });
}

}  // namespace defender::dnsproxy

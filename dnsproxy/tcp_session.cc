#include "dnsproxy/tcp_session.h"

#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "dnsproxy/server_impl.h"

namespace defender::dnsproxy {

namespace asio = boost::asio;

TcpSession::TcpSession(std::shared_ptr<DnsServer::Impl> server, tcp::socket socket)
    : server_(std::move(server)),
      socket_(std::move(socket)),
      idle_timer_(server_->io) {
  boost::system::error_code ec;
  remote_ = socket_.remote_endpoint(ec).address();
  socket_.set_option(tcp::no_delay(true), ec);
}

void TcpSession::start() {
  buffer_.resize(16384);
  last_activity_ = Clock::now();
  arm_idle();
  read_more();
}

// One timer per session, re-armed only when it fires: reads just stamp last_activity_.
void TcpSession::arm_idle() {
  idle_timer_.expires_at(last_activity_ + server_->tcp_idle);
  idle_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self || self->closed_) return;
    const bool quiet = Clock::now() >= self->last_activity_ + self->server_->tcp_idle;
    if (quiet && self->reading_ && self->outstanding_ == 0) {
      self->close();  // idle: waiting for a query, no answer owed
      return;
    }
    if (quiet) self->last_activity_ = Clock::now();  // answers owed: wait for them
    self->arm_idle();
  });
}

// Handles every whole frame in the buffer (pipelined queries cost one read between them, not
// two), then reads more; pauses while kMaxOutstanding answers are owed (send() resumes it).
void TcpSession::read_more() {
  if (closed_) return;
  std::size_t pos = 0;
  while (!closed_ && have_ - pos >= 2) {
    const std::size_t length = load16(buffer_.data() + pos);
    if (have_ - pos - 2 < length) break;
    if (outstanding_ >= kMaxOutstanding) {
      paused_ = true;
      break;
    }
    bump(server_->stats.queries_tcp);
    ++outstanding_;
    Downstream downstream;
    downstream.session = shared_from_this();
    server_->handle_query(std::span<const std::uint8_t>(buffer_.data() + pos + 2, length), downstream,
                          Clock::now());
    pos += 2 + length;
  }
  if (closed_) return;
  if (pos != 0) {
    std::memmove(buffer_.data(), buffer_.data() + pos, have_ - pos);
    have_ -= pos;
  }
  if (paused_) return;
  if (have_ >= 2) {
    const std::size_t need = 2 + static_cast<std::size_t>(load16(buffer_.data()));
    if (need > buffer_.size()) buffer_.resize(need);  // at most 65537 bytes
  }
  reading_ = true;
  socket_.async_read_some(asio::buffer(buffer_.data() + have_, buffer_.size() - have_),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
    self->reading_ = false;
    if (ec) {
      self->close();
      return;
    }
    self->have_ += n;
    self->last_activity_ = Clock::now();
    self->read_more();
  });
}

void TcpSession::send(std::span<const std::uint8_t> answer) {
  if (outstanding_ > 0) --outstanding_;
  if (paused_ && outstanding_ < kMaxOutstanding && !closed_) {
    paused_ = false;  // resume after the current handler (send may run inside read_more)
    asio::post(server_->io, [self = shared_from_this()] { self->read_more(); });
  }
  if (closed_) return;
  std::vector<std::uint8_t> framed(answer.size() + 2);
  store16(framed.data(), static_cast<std::uint16_t>(answer.size()));
  std::copy(answer.begin(), answer.end(), framed.begin() + 2);
  out_.push_back(std::move(framed));
  write_next();
}

// Writes every queued answer (up to 64) with one gathered write.
void TcpSession::write_next() {
  if (writing_ || out_.empty() || closed_) return;
  writing_ = true;
  gather_.clear();
  for (std::size_t i = 0; i < out_.size() && i < 64; ++i) gather_.emplace_back(asio::buffer(out_[i]));
  asio::async_write(socket_, gather_,
                    [self = shared_from_this(), count = gather_.size()](const boost::system::error_code& ec, std::size_t) {
    self->writing_ = false;
    if (ec) {
      self->close();
      return;
    }
    for (std::size_t i = 0; i < count && !self->out_.empty(); ++i) self->out_.pop_front();
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

// TcpSession: one downstream TCP client (RFC 7766): reads length-prefixed queries one after
// the other without waiting for answers (pipelining), hands each to the server, and writes
// answers as they come, in any order. Closed after `tcp_idle` without queries when no answer
// is owed, on a malformed frame, or by the server's stop(). At most 512 queries of one client
// wait for answers; then reading pauses until some are answered (backpressure, no cap on the
// total). Owned by shared_ptr (its coroutine and the pending queries hold it); io thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <span>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "dnsproxy/dns_server.h"

namespace defender::dnsproxy {

class TcpSession : public std::enable_shared_from_this<TcpSession> {
 public:
  static constexpr std::size_t kMaxOutstanding = 512;

  TcpSession(std::shared_ptr<DnsServer::Impl> server, boost::asio::ip::tcp::socket socket);

  void start();
  // Queues one answer (framed here). Does nothing once closed.
  void send(std::span<const std::uint8_t> answer);
  // A query that gets no answer (dropped): the client is closed (RFC 7766 6.2.2 allows it).
  void close();
  boost::asio::ip::address remote_address() const { return remote_; }

  std::list<std::weak_ptr<TcpSession>>::iterator registry_entry;

 private:
  void read_more();
  void write_next();
  void arm_idle();

  std::shared_ptr<DnsServer::Impl> server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::address remote_;
  boost::asio::steady_timer idle_timer_;
  std::deque<std::vector<std::uint8_t>> out_;  // bounded: at most kMaxOutstanding answers
  std::vector<boost::asio::const_buffer> gather_;
  std::chrono::steady_clock::time_point last_activity_;
  bool writing_ = false;
  bool closed_ = false;
  bool reading_ = false;
  bool paused_ = false;   // the reader waits for answers to drain
  std::vector<std::uint8_t> buffer_;  // received bytes not yet handled (at most one frame + 16 KiB)
  std::size_t have_ = 0;  // a read is in progress: idle counts only then
  std::size_t outstanding_ = 0;
};

// Accepts TCP clients on the server's acceptor until it is closed.
void accept_tcp(std::shared_ptr<DnsServer::Impl> server);

}  // namespace defender::dnsproxy

// Upstream TCP connections of DnsServer::Impl: one per upstream, opened on demand, reused for
// every query that must go over TCP (TCP clients, truncated UDP answers), pipelined, answers
// read in any order and matched like UDP ones. A broken connection fails over the queries it
// carried to their next attempt at the next tick.
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "dnsproxy/server_impl.h"

namespace defender::dnsproxy {

void DnsServer::Impl::tcp_send(int index, std::span<const std::uint8_t> query) {
  UpstreamTcp& conn = upstreams[static_cast<std::size_t>(index)].tcp;
  std::vector<std::uint8_t> framed(query.size() + 2);
  store16(framed.data(), static_cast<std::uint16_t>(query.size()));
  std::copy(query.begin(), query.end(), framed.begin() + 2);
  conn.queue.push_back(std::move(framed));
  conn.last_used = Clock::now();
  if (!conn.connected) {
    tcp_connect(index);
    return;
  }
  tcp_write(index);
}

void DnsServer::Impl::tcp_connect(int index) {
  UpstreamState& upstream = upstreams[static_cast<std::size_t>(index)];
  UpstreamTcp& conn = upstream.tcp;
  if (conn.connecting || conn.connected || stopped) return;
  conn.connecting = true;
  ++conn.generation;
  conn.socket = std::make_unique<tcp::socket>(io);
  const tcp::endpoint endpoint(upstream.endpoint.address, upstream.endpoint.port);
  conn.socket->async_connect(endpoint, [self = shared_from_this(), index,
                                        generation = conn.generation](const boost::system::error_code& ec) {
    if (self->stopped) return;
    UpstreamTcp& c = self->upstreams[static_cast<std::size_t>(index)].tcp;
    if (c.generation != generation) return;
    c.connecting = false;
    if (ec) {
      self->tcp_broken(index, generation, "connect: " + ec.message());
      return;
    }
    boost::system::error_code ignored;
    c.socket->set_option(tcp::no_delay(true), ignored);
    c.connected = true;
    self->tcp_read(index);
    self->tcp_write(index);
  });
}

void DnsServer::Impl::tcp_write(int index) {
  UpstreamTcp& conn = upstreams[static_cast<std::size_t>(index)].tcp;
  if (conn.writing || !conn.connected || conn.queue.empty()) return;
  conn.writing = true;
  boost::asio::async_write(*conn.socket, boost::asio::buffer(conn.queue.front()),
                           [self = shared_from_this(), index, generation = conn.generation](
                               const boost::system::error_code& ec, std::size_t) {
    if (self->stopped) return;
    UpstreamTcp& c = self->upstreams[static_cast<std::size_t>(index)].tcp;
    if (c.generation != generation) return;
    c.writing = false;
    if (ec) {
      self->tcp_broken(index, generation, "write: " + ec.message());
      return;
    }
    c.queue.pop_front();
    self->tcp_write(index);
  });
}

void DnsServer::Impl::tcp_read(int index) {
  UpstreamTcp& conn = upstreams[static_cast<std::size_t>(index)].tcp;
  conn.read_buffer.resize(2);
  boost::asio::async_read(*conn.socket, boost::asio::buffer(conn.read_buffer),
                          [self = shared_from_this(), index, generation = conn.generation](
                              const boost::system::error_code& ec, std::size_t) {
    if (self->stopped) return;
    UpstreamTcp& c = self->upstreams[static_cast<std::size_t>(index)].tcp;
    if (c.generation != generation) return;
    if (ec) {
      self->tcp_broken(index, generation, ec == boost::asio::error::eof ? "closed by the upstream"
                                                                        : "read: " + ec.message());
      return;
    }
    const std::size_t length = load16(c.read_buffer.data());
    if (length < kHeaderSize) {
      self->tcp_broken(index, generation, "answer shorter than a header");
      return;
    }
    c.read_buffer.resize(length);
    boost::asio::async_read(*c.socket, boost::asio::buffer(c.read_buffer),
                            [self, index, generation](const boost::system::error_code& ec2, std::size_t) {
      if (self->stopped) return;
      UpstreamTcp& c2 = self->upstreams[static_cast<std::size_t>(index)].tcp;
      if (c2.generation != generation) return;
      if (ec2) {
        self->tcp_broken(index, generation, "read: " + ec2.message());
        return;
      }
      c2.last_used = Clock::now();
      // The answer is handled from a copy: delivering may send more queries on this link.
      std::vector<std::uint8_t> answer;
      answer.swap(c2.read_buffer);
      self->on_upstream_answer(index, true, answer);
      if (self->upstreams[static_cast<std::size_t>(index)].tcp.generation == generation) {
        self->tcp_read(index);
      }
    });
  });
}

void DnsServer::Impl::tcp_broken(int index, std::uint32_t generation, const std::string& why) {
  UpstreamState& upstream = upstreams[static_cast<std::size_t>(index)];
  UpstreamTcp& conn = upstream.tcp;
  if (conn.generation != generation) return;
  bump(stats.upstream_failures);
  boost::system::error_code ignored;
  if (conn.socket) conn.socket->close(ignored);
  ++conn.generation;  // handlers of the old connection now return at once
  conn.connected = false;
  conn.connecting = false;
  conn.writing = false;
  conn.queue.clear();
  if (log.enabled(core::LogLevel::debug)) {
    log.debug("dns", "upstream " + upstream.endpoint.to_string() + " tcp: " + why);
  }
  // The queries that were waiting on this connection move on at the next tick. An idle
  // connection closed by the upstream is no failure of the upstream.
  bool had_queries = false;
  const Clock::time_point now = Clock::now();
  for (int slot = inflight_head; slot >= 0; slot = slots[static_cast<std::size_t>(slot)].next) {
    Pending& pending = slots[static_cast<std::size_t>(slot)];
    if (pending.upstream == index && pending.via_tcp) {
      pending.attempt_deadline = now;
      had_queries = true;
    }
  }
  if (had_queries) schedule_tick();
}

}  // namespace defender::dnsproxy

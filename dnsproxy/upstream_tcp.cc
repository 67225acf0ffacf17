// Upstream TCP connections of DnsServer::Impl: one per upstream, opened on demand, reused for
// every query that must go over TCP (TCP clients, truncated UDP answers), pipelined, answers
// read in any order and matched like UDP ones. A broken connection fails over the queries it
// carried to their next attempt at the next tick.
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <cstring>

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

// Writes every queued query (up to 64) with one gathered write.
void DnsServer::Impl::tcp_write(int index) {
  UpstreamTcp& conn = upstreams[static_cast<std::size_t>(index)].tcp;
  if (conn.writing || !conn.connected || conn.queue.empty()) return;
  conn.writing = true;
  conn.gather.clear();
  for (std::size_t i = 0; i < conn.queue.size() && i < 64; ++i) {
    conn.gather.emplace_back(boost::asio::buffer(conn.queue[i]));
  }
  boost::asio::async_write(*conn.socket, conn.gather,
                           [self = shared_from_this(), index, generation = conn.generation,
                            count = conn.gather.size()](const boost::system::error_code& ec, std::size_t) {
    if (self->stopped) return;
    UpstreamTcp& c = self->upstreams[static_cast<std::size_t>(index)].tcp;
    if (c.generation != generation) return;
    c.writing = false;
    if (ec) {
      self->tcp_broken(index, generation, "write: " + ec.message());
      return;
    }
    for (std::size_t i = 0; i < count && !c.queue.empty(); ++i) c.queue.pop_front();
    self->tcp_write(index);
  });
}

// Reads what has arrived and handles every whole answer in it.
void DnsServer::Impl::tcp_read(int index) {
  UpstreamTcp& conn = upstreams[static_cast<std::size_t>(index)].tcp;
  if (conn.read_buffer.size() < 16384) conn.read_buffer.resize(16384);
  if (conn.have >= 2) {
    const std::size_t need = 2 + static_cast<std::size_t>(load16(conn.read_buffer.data()));
    if (need > conn.read_buffer.size()) conn.read_buffer.resize(need);
  }
  conn.socket->async_read_some(
      boost::asio::buffer(conn.read_buffer.data() + conn.have, conn.read_buffer.size() - conn.have),
      [self = shared_from_this(), index, generation = conn.generation](const boost::system::error_code& ec,
                                                                       std::size_t n) {
    if (self->stopped) return;
    UpstreamTcp& c = self->upstreams[static_cast<std::size_t>(index)].tcp;
    if (c.generation != generation) return;
    if (ec) {
      self->tcp_broken(index, generation, ec == boost::asio::error::eof ? "closed by the upstream"
                                                                        : "read: " + ec.message());
      return;
    }
    c.have += n;
    c.last_used = Clock::now();
    // Answers are handled from a copy of the buffer: handling one may send more queries on
    // this connection or break it (then the generation moves on and we stop here).
    std::vector<std::uint8_t> data(c.read_buffer.begin(), c.read_buffer.begin() + static_cast<long>(c.have));
    std::size_t pos = 0;
    while (data.size() - pos >= 2) {
      const std::size_t length = load16(data.data() + pos);
      if (data.size() - pos - 2 < length) break;
      if (length < kHeaderSize) {
        self->tcp_broken(index, generation, "answer shorter than a header");
        return;
      }
      self->on_upstream_answer(index, true, std::span<std::uint8_t>(data.data() + pos + 2, length));
      pos += 2 + length;
      if (self->stopped || self->upstreams[static_cast<std::size_t>(index)].tcp.generation != generation) return;
    }
    UpstreamTcp& after = self->upstreams[static_cast<std::size_t>(index)].tcp;
    std::memmove(after.read_buffer.data(), data.data() + pos, data.size() - pos);
    after.have = data.size() - pos;
    self->tcp_read(index);
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
  conn.have = 0;
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

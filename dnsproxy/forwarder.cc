// The forwarding half of DnsServer::Impl: the pending-query table, the upstream UDP sockets,
// upstream choice (in order, skipping the ones marked down until their retry time), attempt
// timeouts and the answers coming back.
#include <algorithm>

#include "dnsproxy/server_impl.h"

namespace defender::dnsproxy {
namespace {

constexpr int kFailuresBeforeDown = 3;
constexpr auto kTick = std::chrono::milliseconds(10);     // timeout resolution
constexpr auto kMinAttempt = std::chrono::milliseconds(50);

std::uint32_t all_upstreams(std::size_t count) {
  return count >= 32 ? 0xFFFFFFFFu : ((1u << count) - 1);
}

}  // namespace

void DnsServer::Impl::open_upstreams() {
  for (std::size_t i = 0; i < upstreams.size(); ++i) {
    UpstreamState& upstream = upstreams[i];
    boost::system::error_code ec;
    auto socket = std::make_unique<udp::socket>(io);
    socket->open(upstream.udp_endpoint.protocol(), ec);
    if (!ec) socket->connect(upstream.udp_endpoint, ec);
    if (!ec) socket->non_blocking(true, ec);
    if (!ec) {
      boost::system::error_code ignored;  // best effort: capped at rmem_max
      socket->set_option(udp::socket::receive_buffer_size(4 << 20), ignored);
    }
    if (ec) {
      // Unreachable from here (no route, no IPv6): it stays down; TCP may still work.
      log.warn("dns", "upstream " + upstream.endpoint.to_string() + ": " + ec.message());
      upstream.down = true;
      upstream.retry_at = Clock::now() + retry_after;
      continue;
    }
    upstream.udp_socket = std::move(socket);
    upstream.out = std::make_unique<UdpSendBatch>(kSendBatch, kSendBuffer);
    receive_upstream_udp(static_cast<int>(i));
  }
}

bool DnsServer::Impl::forward(const Query& query, std::span<const std::uint8_t> packet,
                              Downstream& downstream, Clock::time_point now, bool tcp_only) {
  if (free_slots.empty()) return false;
  const int slot = free_slots.back();
  free_slots.pop_back();
  Pending& pending = slots[static_cast<std::size_t>(slot)];
  pending.in_use = true;
  ++pending.generation;
  pending.query = query;
  pending.packet.assign(packet.begin(), packet.end());
  pending.downstream = downstream;
  pending.upstream = -1;
  pending.tcp_only = tcp_only;
  pending.tried = 0;
  pending.received = now;
  const auto budget = std::chrono::milliseconds(std::max<std::uint32_t>(policy->dns.timeout_ms, 1));
  pending.deadline = now + (budget > 2 * kTick ? budget - kTick : budget);
  // in-use list, for the timeout scan
  pending.prev = -1;
  pending.next = inflight_head;
  if (inflight_head >= 0) slots[static_cast<std::size_t>(inflight_head)].prev = slot;
  inflight_head = slot;
  ++inflight;
  bump(stats.forwarded);
  if (!attempt(slot, now)) {
    fail(pending);
    release(slot);
  }
  schedule_tick();
  return true;
}

int DnsServer::Impl::choose_upstream(Pending& pending, Clock::time_point now) {
  const int count = static_cast<int>(upstreams.size());
  if (pending.tried == all_upstreams(upstreams.size())) pending.tried = 0;
  int fallback = -1;
  for (int i = 0; i < count; ++i) {
    if ((pending.tried & (1u << i)) != 0) continue;
    UpstreamState& upstream = upstreams[static_cast<std::size_t>(i)];
    if (!pending.tcp_only && !upstream.udp_socket) {
      if (fallback < 0) fallback = i;
      continue;
    }
    if (!upstream.down || upstream.retry_at <= now) return i;  // up, or due for a probe
    if (fallback < 0) fallback = i;
  }
  return fallback;  // every untried one is down: try one anyway rather than fail at once
}

bool DnsServer::Impl::attempt(int slot, Clock::time_point now) {
  Pending& pending = slots[static_cast<std::size_t>(slot)];
  if (pending.upstream >= 0) {
    // Leaving the previous upstream: its id no longer leads here.
    auto& ids = upstreams[static_cast<std::size_t>(pending.upstream)].ids;
    if (ids[pending.upstream_id] == slot) ids[pending.upstream_id] = -1;
    bump(stats.upstream_retries);
  }
  const int index = choose_upstream(pending, now);
  if (index < 0) return false;
  UpstreamState& upstream = upstreams[static_cast<std::size_t>(index)];
  if (upstream.down && upstream.retry_at <= now) {
    upstream.retry_at = now + retry_after;  // one probe per retry period
  }
  std::uint16_t id = id_source.next();
  for (int tries = 0; upstream.ids[id] != -1 && tries < 64; ++tries) id = id_source.next();
  if (upstream.ids[id] != -1) return false;  // cannot happen with max_inflight <= 65535/2
  upstream.ids[id] = slot;
  pending.upstream = index;
  pending.upstream_id = id;
  pending.tried |= 1u << index;
  store16(pending.packet.data(), id);
  // An attempt gets an equal share of the budget (two at least), never past the deadline.
  const auto budget = pending.deadline - pending.received;
  const auto share = std::max<Clock::duration>(
      budget / std::max<std::size_t>(upstreams.size(), 2), kMinAttempt);
  pending.attempt_deadline = std::min(now + share, pending.deadline);
  pending.via_tcp = pending.tcp_only || !upstream.udp_socket;
  if (pending.via_tcp) {
    tcp_send(index, pending.packet);
    return true;
  }
  // Errors (ECONNREFUSED from ICMP, no route) show as a timeout of this attempt.
  send_upstream(upstream, pending.packet);
  return true;
}

void DnsServer::Impl::release(int slot) {
  Pending& pending = slots[static_cast<std::size_t>(slot)];
  if (!pending.in_use) return;
  if (pending.upstream >= 0) {
    auto& ids = upstreams[static_cast<std::size_t>(pending.upstream)].ids;
    if (ids[pending.upstream_id] == slot) ids[pending.upstream_id] = -1;
  }
  if (pending.prev >= 0) slots[static_cast<std::size_t>(pending.prev)].next = pending.next;
  else inflight_head = pending.next;
  if (pending.next >= 0) slots[static_cast<std::size_t>(pending.next)].prev = pending.prev;
  pending.in_use = false;
  pending.downstream = Downstream{};
  --inflight;
  free_slots.push_back(slot);
}

void DnsServer::Impl::receive_upstream_udp(int index) {
  UpstreamState& upstream = upstreams[static_cast<std::size_t>(index)];
  upstream.udp_socket->async_wait(udp::socket::wait_read,
                                  [self = shared_from_this(), index](const boost::system::error_code& ec) {
    if (ec || self->stopped) return;
    self->drain_upstream_udp(index);
  });
}

// As drain_udp(): bounded batches, a short batch means empty (see there).
void DnsServer::Impl::drain_upstream_udp(int index) {
  Drain drain(*this);
  const int fd = upstreams[static_cast<std::size_t>(index)].udp_socket->native_handle();
  for (int round = 0; round < 4; ++round) {
    const int n = upstream_batch.receive(fd);
    for (int i = 0; i < n; ++i) {
      // (A datagram over 64 KiB cannot exist; truncated() is never true here.)
      on_upstream_answer(index, false, upstream_batch.data(static_cast<std::size_t>(i)));
      if (stopped) return;
    }
    // n < 0: ECONNREFUSED and such: the attempt times out and moves on; look again.
    if (n >= 0 && static_cast<std::size_t>(n) < kUpstreamBatch) {
      receive_upstream_udp(index);
      return;
    }
  }
  boost::asio::post(io, [self = shared_from_this(), index] {
    if (!self->stopped) self->drain_upstream_udp(index);
  });
}

void DnsServer::Impl::on_upstream_answer(int index, bool via_tcp, std::span<std::uint8_t> answer) {
  Header header;
  UpstreamState& upstream = upstreams[static_cast<std::size_t>(index)];
  if (!read_header(answer, header) || !header.response()) {
    bump(stats.mismatched_answers);
    return;
  }
  const int slot = upstream.ids[header.id];
  if (slot < 0) {
    bump(stats.mismatched_answers);  // late (already answered or timed out) or spoofed
    return;
  }
  Pending& pending = slots[static_cast<std::size_t>(slot)];
  if (!pending.in_use || pending.upstream != index || pending.via_tcp != via_tcp ||
      !same_question(answer, pending.query.question)) {
    bump(stats.mismatched_answers);
    return;
  }
  const Clock::time_point now = Clock::now();
  if (header.truncated() && !via_tcp) {
    // RFC 7766 / 1035: the whole answer over TCP, from the same upstream.
    bump(stats.truncated_retries);
    pending.tcp_only = true;
    pending.via_tcp = true;
    pending.attempt_deadline = std::min(now + (pending.deadline - pending.received) / 2, pending.deadline);
    tcp_send(index, pending.packet);
    return;
  }
  mark_success(index);
  if (header.rcode() == Rcode::servfail || header.rcode() == Rcode::refused) {
    // This upstream cannot answer; another one might, while time remains.
    if (now < pending.deadline && pending.tried != all_upstreams(upstreams.size())) {
      if (attempt(slot, now)) return;
    }
  }
  deliver(pending, answer);
  release(slot);
}

void DnsServer::Impl::mark_failure(int index, Clock::time_point now) {
  UpstreamState& upstream = upstreams[static_cast<std::size_t>(index)];
  if (++upstream.consecutive_failures >= kFailuresBeforeDown && !upstream.down) {
    upstream.down = true;
    upstream.retry_at = now + retry_after;
    log.warn("dns", "upstream " + upstream.endpoint.to_string() + " marked down after " +
                        std::to_string(upstream.consecutive_failures) + " failures");
  }
}

void DnsServer::Impl::mark_success(int index) {
  UpstreamState& upstream = upstreams[static_cast<std::size_t>(index)];
  upstream.consecutive_failures = 0;
  if (upstream.down && upstream.udp_socket) {
    upstream.down = false;
    log.info("dns", "upstream " + upstream.endpoint.to_string() + " is back");
  }
}

void DnsServer::Impl::schedule_tick() {
  if (ticking || stopped || inflight == 0) return;
  ticking = true;
  tick_timer.expires_after(kTick);
  tick_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->ticking = false;
    if (ec || self->stopped) return;
    self->on_tick();
    self->schedule_tick();
  });
}

void DnsServer::Impl::on_tick() {
  const Clock::time_point now = Clock::now();
  for (int slot = inflight_head; slot >= 0;) {
    Pending& pending = slots[static_cast<std::size_t>(slot)];
    const int next = pending.next;
    if (pending.attempt_deadline <= now) {
      bump(stats.upstream_timeouts);
      if (pending.upstream >= 0) mark_failure(pending.upstream, now);
      if (now >= pending.deadline || !attempt(slot, now)) {
        fail(pending);
        release(slot);
      }
    }
    slot = next;
  }
}

}  // namespace defender::dnsproxy

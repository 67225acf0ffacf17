#include "dnsproxy/dns_server.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>

#include "dnsproxy/server_impl.h"
#include "dnsproxy/tcp_session.h"

namespace defender::dnsproxy {
namespace {

constexpr std::size_t kUdpRounds = 4;  // recvmmsg calls per wake-up before yielding

std::error_code to_std(const boost::system::error_code& ec) {
  return std::error_code(ec.value(), std::system_category());
}


bool ends_with_ci(std::string_view name, std::string_view suffix) {  // suffix is lower case
  if (name.size() <= suffix.size()) return false;
  const std::string_view tail = name.substr(name.size() - suffix.size());
  for (std::size_t k = 0; k < suffix.size(); ++k) {
    const char c = tail[k];
    if (((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c) != suffix[k]) return false;
  }
  return true;
}

// `name` (allowed by default as asked: no rule names it) ends in a search suffix, and what is
// left is explicitly denied.
bool denied_without_search_suffix(const policy::NetworkPolicy& network, std::string_view name,
                                  const std::vector<std::string>& suffixes, std::optional<policy::DomainMatch>* match) {
  if (match->has_value()) return false;
  for (const std::string& suffix : suffixes) {
    if (!ends_with_ci(name, suffix)) continue;
    const auto found = network.matcher->match(name.substr(0, name.size() - suffix.size()));
    if (found && found->deny) {
      *match = found;
      return true;
    }
  }
  return false;
}
}  // namespace

std::uint16_t IdSource::next() {
  if (used_ == block_.size()) {
    std::size_t filled = 0;
    auto* bytes = reinterpret_cast<unsigned char*>(block_.data());
    const std::size_t total = sizeof(block_);
    while (filled < total) {
      const ssize_t n = ::getrandom(bytes + filled, total - filled, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // cannot happen after boot; the block keeps its previous values
      filled += static_cast<std::size_t>(n);
    }
    used_ = 0;
  }
  return block_[used_++];
}

boost::asio::ip::address Downstream::address() const {
  if (session) return session->remote_address();
  return udp_client.address();
}

DnsServer::Impl::Impl(boost::asio::io_context& io_context, std::shared_ptr<const policy::Policy> p,
                      std::vector<Upstream> ups, core::EventSink& sink, const core::Logger& logger)
    : io(io_context),
      policy(std::move(p)),
      events(sink),
      log(logger),
      learned(LearnedAddresses::Limits{policy->dns.learned_addresses}),
      cache(AnswerCache::Limits{policy->dns.cache_entries}),
      limiter(4096, std::chrono::seconds(1)),
      batcher(sink, 256),
      batch_timer(io_context),
      max_inflight(std::clamp<std::size_t>(policy->dns.max_inflight, 1, 65535)),
      max_tcp_clients(std::max<std::size_t>(policy->dns.max_tcp_clients, 1)),
      tcp_idle(std::max<std::uint32_t>(policy->dns.tcp_idle_ms, 1)),
      retry_after(std::max<std::uint32_t>(policy->dns.upstream_retry_ms, 1)),
      tick_timer(io_context),
      flush_timer(io_context),
      client_batch(kClientBatch, kMaxClientQuery),
      upstream_batch(kUpstreamBatch, kMaxUdpPayload),
      client_out(kSendBatch, kSendBuffer),
      answer_buffer(kMaxUdpPayload) {
  for (Upstream& upstream : ups) {
    if (upstreams.size() >= 32) break;  // `tried` is a 32-bit mask; more is no use anyway
    UpstreamState state;
    state.endpoint = upstream.endpoint;
    state.udp_endpoint = udp::endpoint(upstream.endpoint.address, upstream.endpoint.port);
    state.ids.assign(65536, -1);
    upstreams.push_back(std::move(state));
  }
  slots.resize(max_inflight);
  free_slots.reserve(max_inflight);
  for (std::size_t i = max_inflight; i-- > 0;) free_slots.push_back(static_cast<int>(i));
}

std::error_code DnsServer::Impl::start(const Endpoint& listen) {
  if (started || upstreams.empty()) return std::make_error_code(std::errc::invalid_argument);
  boost::system::error_code ec;
  // Port 0: UDP picks a free port, TCP must get the same one; UDP and TCP ports are separate
  // spaces, so that one may be taken on the TCP side: try again with another.
  const int tries = listen.port == 0 ? 20 : 1;
  for (int attempt_no = 0; attempt_no < tries; ++attempt_no) {
    ec.clear();
    const udp::endpoint udp_endpoint(listen.address, listen.port);
    auto socket = std::make_unique<udp::socket>(io);
    socket->open(udp_endpoint.protocol(), ec);
    if (!ec && listen.address.is_v6()) socket->set_option(boost::asio::ip::v6_only(true), ec);
    if (!ec) socket->bind(udp_endpoint, ec);
    if (!ec) socket->non_blocking(true, ec);
    if (ec) return to_std(ec);
    boost::system::error_code ignored;  // best effort: the kernel caps it at rmem_max
    socket->set_option(udp::socket::receive_buffer_size(4 << 20), ignored);
    bound = listen;
    bound.port = socket->local_endpoint(ec).port();
    auto tcp_acceptor = std::make_unique<tcp::acceptor>(io);
    const tcp::endpoint tcp_endpoint(listen.address, bound.port);
    tcp_acceptor->open(tcp_endpoint.protocol(), ec);
    if (!ec) tcp_acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && listen.address.is_v6()) tcp_acceptor->set_option(boost::asio::ip::v6_only(true), ec);
    if (!ec) tcp_acceptor->bind(tcp_endpoint, ec);
    if (!ec) tcp_acceptor->listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec == boost::asio::error::address_in_use && attempt_no + 1 < tries) continue;
    if (ec) return to_std(ec);
    open_upstreams();
    udp_listener.socket = std::move(socket);
    acceptor = std::move(tcp_acceptor);
    started = true;
    receive_udp();
    accept_tcp(shared_from_this());
    return {};
  }
  return to_std(ec);
}

void DnsServer::Impl::stop() {
  if (stopped) return;
  stopped = true;
  boost::system::error_code ignored;
  if (udp_listener.socket) udp_listener.socket->close(ignored);
  if (acceptor) acceptor->close(ignored);
  for (auto& weak : sessions) {
    if (auto session = weak.lock()) session->close();
  }
  sessions.clear();
  // Pending queries hold their TCP sessions, which hold this Impl: let go of them.
  while (inflight_head >= 0) release(inflight_head);
  for (auto& upstream : upstreams) {
    if (upstream.udp_socket) upstream.udp_socket->close(ignored);
    if (upstream.tcp.socket) upstream.tcp.socket->close(ignored);
  }
  tick_timer.cancel();
  flush_timer.cancel();
  batch_timer.cancel();
  limiter.flush(Clock::now() + std::chrono::hours(1), batcher);
  batcher.release();
}

void DnsServer::Impl::receive_udp() {
  udp_listener.socket->async_wait(udp::socket::wait_read,
                                  [self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopped) return;
    self->drain_udp();
  });
}

// Reads what the listener holds, a bounded number of batches, then waits again. A batch that
// comes back short means the socket was empty at that moment: a datagram arriving later
// re-arms the (edge-triggered) readiness that the next epoll_wait of this single io thread
// reports after our wait is queued, so no EAGAIN read is spent to find that out. When the
// bound is hit with more to read, the rest is read after the other ready handlers (post).
void DnsServer::Impl::drain_udp() {
  Drain drain(*this);
  Downstream downstream;
  downstream.udp_socket = udp_listener.socket.get();
  const int fd = udp_listener.socket->native_handle();
  for (std::size_t round = 0; round < kUdpRounds; ++round) {
    const int n = client_batch.receive(fd);
    if (n > 0) {
      const Clock::time_point now = Clock::now();
      for (int i = 0; i < n; ++i) {
        bump(stats.queries_udp);
        const auto idx = static_cast<std::size_t>(i);
        if (client_batch.truncated(idx)) {  // bigger than any sane query
          bump(stats.malformed);
          bump(stats.dropped);
          continue;
        }
        const socklen_t length = client_batch.from_length(idx);
        if (length > downstream.udp_client.capacity()) continue;
        std::memcpy(downstream.udp_client.data(), client_batch.from(idx), length);
        downstream.udp_client.resize(length);
        handle_query(client_batch.data(idx), downstream, now);
        if (stopped) return;
      }
    }
    // n < 0: an error reported on the socket (ICMP): nothing to answer, look again.
    if (n >= 0 && static_cast<std::size_t>(n) < kClientBatch) {
      receive_udp();
      return;
    }
  }
  boost::asio::post(io, [self = shared_from_this()] {
    if (!self->stopped) self->drain_udp();
  });
}

void DnsServer::Impl::send_to(Downstream& downstream, std::span<const std::uint8_t> answer) {
  if (downstream.session) {
    downstream.session->send(answer);
    bump(stats.answered);
    return;
  }
  bump(stats.answered);
  if (client_out.full()) flush_sends();
  if (client_out.add(answer, downstream.udp_client.data(),
                     static_cast<socklen_t>(downstream.udp_client.size()))) {
    if (!draining) post_flush();
    return;
  }
  boost::system::error_code ec;  // too big for the batch: at once
  downstream.udp_socket->send_to(boost::asio::buffer(answer.data(), answer.size()),
                                 downstream.udp_client, 0, ec);
  if (ec) bump(stats.dropped);
}

void DnsServer::Impl::send_upstream(UpstreamState& upstream, std::span<const std::uint8_t> query) {
  if (upstream.out->full()) flush_sends();
  if (upstream.out->add(query, nullptr, 0)) {
    if (!draining) post_flush();
    return;
  }
  boost::system::error_code ec;  // a query over 4 KiB from a UDP client: cannot be, but still
  upstream.udp_socket->send(boost::asio::buffer(query.data(), query.size()), 0, ec);
}

// Datagrams queued by a handler leave when it is done (one sendmmsg per socket): the drain
// handlers flush at their end themselves; other handlers post a flush.
void DnsServer::Impl::post_flush() {
  if (flush_posted) return;
  flush_posted = true;
  boost::asio::post(io, [self = shared_from_this()] {
    self->flush_posted = false;
    if (!self->stopped) self->flush_sends();
  });
}

void DnsServer::Impl::flush_sends() {
  if (!client_out.empty() && udp_listener.socket) {
    const std::size_t failed = client_out.flush(udp_listener.socket->native_handle());
    stats.dropped.fetch_add(failed, std::memory_order_relaxed);
  }
  for (UpstreamState& upstream : upstreams) {
    if (upstream.out && !upstream.out->empty()) upstream.out->flush(upstream.udp_socket->native_handle());
  }
}

void DnsServer::Impl::handle_query(std::span<const std::uint8_t> packet, Downstream& downstream,
                                   Clock::time_point now) {
  Query query;
  const ParseStatus status = parse_query(packet, query);
  const std::span<std::uint8_t> out(answer_buffer);
  switch (status) {
    case ParseStatus::ok: break;
    case ParseStatus::too_short:
    case ParseStatus::not_query:
      bump(stats.malformed);
      bump(stats.dropped);
      if (log.enabled(core::LogLevel::debug)) {
        log.debug("dns", "dropped a packet from " + downstream.address().to_string() + ": " +
                             std::string(to_string(status)));
      }
      if (downstream.session) downstream.session->close();  // nothing to answer: end it
      return;
    case ParseStatus::bad_opcode:
    case ParseStatus::malformed: {
      bump(stats.malformed);
      const Rcode rcode = status == ParseStatus::bad_opcode ? Rcode::notimp : Rcode::formerr;
      const std::size_t n = build_header_error(query.header, rcode, out);
      send_to(downstream, out.first(n));
      return;
    }
  }
  const policy::Policy& active = *policy;
  const policy::NetworkPolicy& network = active.network;
  if (network.action != policy::Mode::disable) {
    std::optional<policy::DomainMatch> match;
    if (network.denies(query.question.name.text_view(), &match) ||
        denied_without_search_suffix(network, query.question.name.text_view(), search_suffixes, &match)) {
      const bool prevent = network.action != policy::Mode::alert;
      const std::string rule = network.rule_name(match);
      report(active, query, downstream, prevent, rule,
             std::string(prevent ? "blocked" : "denied (alert only)") + " lookup of " +
                 printable_name(query.question.name));
      if (prevent) {
        bump(stats.blocked);
        const std::size_t n = build_blocked(query, packet, network.blocked_answer, out);
        if (n != 0) send_to(downstream, out.first(n));
        return;
      }
      bump(stats.alerted);
    }
  }
  if (cache.enabled()) {
    const std::size_t n = cache.lookup(query, packet, now, cache_buffer);
    if (n != 0 && (downstream.tcp() || n <= query.udp_limit())) {
      bump(stats.cache_hits);
      send_to(downstream, std::span<const std::uint8_t>(cache_buffer.data(), n));
      return;
    }
  }
  if (!forward(query, packet, downstream, now, downstream.tcp())) {
    bump(stats.inflight_full);
    bump(stats.servfail);
    const std::size_t n = build_error(query, packet, Rcode::servfail, out);
    if (n != 0) send_to(downstream, out.first(n));
  }
}

void DnsServer::Impl::report(const policy::Policy& active, const Query& query,
                             const Downstream& downstream, bool prevented, const std::string& rule,
                             const std::string& message) {
  (void)active;
  core::Event event;
  event.type = "dns";
  event.action = prevented ? "prevent" : "alert";
  event.rule = rule;
  event.message = message;
  const std::string qname = printable_name(query.question.name);
  event.set("qname", qname);
  event.set("qtype", type_name(query.question.qtype));
  event.set("client", downstream.address().to_string());
  std::string key = qname;
  key += '\0';
  key += rule;
  limiter.offer(key, std::move(event), Clock::now(), batcher);
  schedule_flush();
  arm_batch();
}

void DnsServer::Impl::arm_batch() {
  if (batch_armed || stopped || batcher.empty()) return;
  batch_armed = true;
  batch_timer.expires_after(std::chrono::milliseconds(50));
  batch_timer.async_wait([self = shared_from_this()](const boost::system::error_code&) {
    self->batch_armed = false;
    self->batcher.release();
  });
}

void DnsServer::Impl::schedule_flush() {
  if (flushing || stopped || !limiter.has_pending()) return;
  flushing = true;
  flush_timer.expires_after(std::chrono::seconds(1));
  flush_timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    self->flushing = false;
    if (ec || self->stopped) return;
    self->limiter.flush(Clock::now(), self->batcher);
    self->schedule_flush();
    self->arm_batch();
  });
}

// An upstream answer for `pending` (id already matched, question checked): inspect it, learn
// from it, cache it, and pass it on with the client's id.
void DnsServer::Impl::deliver(Pending& pending, std::span<std::uint8_t> answer) {
  const Query& query = pending.query;
  const policy::Policy& active = *policy;
  const policy::NetworkPolicy& network = active.network;
  const std::span<std::uint8_t> out(answer_buffer);
  // CNAME (and DNAME) targets of the answer section are judged like the name asked for.
  bool blocked = false;
  Name target;
  std::uint32_t min_ttl = UINT32_MAX;
  if (network.action != policy::Mode::disable) {
    walk_records(answer, [&](const Record& record) {
      if (record.section != Record::Section::answer) return false;
      if (record.type != rr::cname && record.type != rr::dname) return true;
      if (read_name(answer, record.rdata_offset, target) == 0) return true;
      std::optional<policy::DomainMatch> match;
      if (!network.denies(target.text_view(), &match)) return true;
      Name owner;
      read_name(answer, record.name_offset, owner);
      const bool prevent = network.action != policy::Mode::alert;
      report(active, query, pending.downstream, prevent, network.rule_name(match),
             std::string(prevent ? "blocked" : "denied (alert only)") + " lookup of " +
                 printable_name(query.question.name) + ": " + type_name(record.type) + " " +
                 printable_name(owner) + " -> " + printable_name(target));
      blocked = prevent;
      if (!prevent) bump(stats.alerted);
      return !prevent;
    });
  }
  if (blocked) {
    bump(stats.blocked);
    // The query's bytes (id field aside) are the client's: answer from them.
    store16(pending.packet.data(), query.header.id);
    const std::size_t n = build_blocked(query, pending.packet, network.blocked_answer, out);
    if (n != 0) send_to(pending.downstream, out.first(n));
    return;
  }
  // Learn the addresses (owner names may be the CNAME targets: the app asked for qname).
  const Clock::time_point now = Clock::now();
  walk_records(answer, [&](const Record& record) {
    if (record.section != Record::Section::answer) return false;
    min_ttl = std::min(min_ttl, record.ttl);
    if (record.rclass == kClassIn && ((record.type == rr::a && record.rdlength == 4) ||
                                      (record.type == rr::aaaa && record.rdlength == 16))) {
      learned.learn(std::string_view(reinterpret_cast<const char*>(answer.data() + record.rdata_offset),
                                     record.rdlength),
                    query.question.name.text_view(), record.ttl, now);
    }
    return true;
  });
  if (cache.enabled()) cache.insert(query, answer, now);
  store16(answer.data(), query.header.id);
  if (!pending.downstream.tcp() && answer.size() > query.udp_limit()) {
    // The upstream ignored the client's size: send what fits, flagged truncated.
    const std::size_t n = std::min(answer.size(), query.question.end);
    std::memcpy(out.data(), answer.data(), n);
    store16(out.data() + 2, static_cast<std::uint16_t>(load16(out.data() + 2) | flag::tc));
    std::memset(out.data() + 6, 0, 6);
    send_to(pending.downstream, out.first(n));
  } else {
    send_to(pending.downstream, answer);
  }
  stats.record_latency(std::chrono::duration_cast<std::chrono::microseconds>(now - pending.received));
}

void DnsServer::Impl::fail(Pending& pending) {
  bump(stats.servfail);
  store16(pending.packet.data(), pending.query.header.id);
  const std::span<std::uint8_t> out(answer_buffer);
  const std::size_t n = build_error(pending.query, pending.packet, Rcode::servfail, out);
  if (n != 0) send_to(pending.downstream, out.first(n));
}

// ---- the public face ----

DnsServer::DnsServer(boost::asio::io_context& io, std::shared_ptr<const policy::Policy> policy,
                     std::vector<Upstream> upstreams, core::EventSink& events, const core::Logger& log)
    : impl_(std::make_shared<Impl>(io, std::move(policy), std::move(upstreams), events, log)) {}

DnsServer::~DnsServer() { stop(); }

std::error_code DnsServer::start(const Endpoint& listen) { return impl_->start(listen); }

void DnsServer::set_search_domains(std::vector<std::string> domains) {
  impl_->search_suffixes.clear();
  for (std::string& d : domains) {
    while (!d.empty() && d.back() == '.') d.pop_back();
    while (!d.empty() && d.front() == '.') d.erase(d.begin());
    if (d.empty()) continue;
    for (char& c : d) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    impl_->search_suffixes.push_back("." + d);
  }
}

Endpoint DnsServer::local_endpoint() const { return impl_->bound; }

void DnsServer::reload(std::shared_ptr<const policy::Policy> policy) {
  if (!policy) return;
  boost::asio::post(impl_->io, [impl = impl_, policy = std::move(policy)]() mutable {
    impl->policy = std::move(policy);
    bump(impl->stats.reloads);
  });
}

void DnsServer::stop() {
  if (impl_->io.get_executor().running_in_this_thread() || impl_->io.stopped()) {
    impl_->stop();
  } else {
    boost::asio::post(impl_->io, [impl = impl_] { impl->stop(); });
  }
}

const DnsStats& DnsServer::stats() const { return impl_->stats; }

const LearnedAddresses& DnsServer::learned() const { return impl_->learned; }

}  // namespace defender::dnsproxy

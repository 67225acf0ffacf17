// Internal to dnsproxy/: the state of a DnsServer, shared by its files (dns_server.cc: query
// path and answers; forwarder.cc: pending table, upstreams, timeouts; upstream_tcp.cc;
// tcp_session.cc). Everything runs on the server's io thread; every asynchronous handler holds
// a shared_ptr to the Impl, so that it outlives the DnsServer object until they are done.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "dnsproxy/answer_cache.h"
#include "dnsproxy/dns_server.h"
#include "dnsproxy/event_batcher.h"
#include "dnsproxy/event_limiter.h"
#include "dnsproxy/packet.h"
#include "dnsproxy/udp_batch.h"

namespace defender::dnsproxy {

using Clock = std::chrono::steady_clock;
using boost::asio::ip::tcp;
using boost::asio::ip::udp;

class TcpSession;

// Who gets the answer: a UDP client (through the listener it wrote to) or a TCP session.
struct Downstream {
  udp::socket* udp_socket = nullptr;
  udp::endpoint udp_client;
  std::shared_ptr<TcpSession> session;
  bool tcp() const noexcept { return session != nullptr; }
  boost::asio::ip::address address() const;
};

// A query waiting for an upstream. Slots are reused; `generation` tells apart a slot's uses.
struct Pending {
  bool in_use = false;
  std::uint32_t generation = 0;
  Query query;                        // the client's query, parsed
  std::vector<std::uint8_t> packet;   // its bytes; the id field holds the upstream id
  Downstream downstream;
  int upstream = -1;                  // of the current attempt
  std::uint16_t upstream_id = 0;
  bool via_tcp = false;               // current attempt goes over TCP
  bool tcp_only = false;              // every attempt over TCP (TCP client, or truncated)
  std::uint32_t tried = 0;            // bit per upstream tried in this round
  Clock::time_point received;
  Clock::time_point attempt_deadline;
  Clock::time_point deadline;
  int prev = -1, next = -1;           // list of slots in use (timeout scan)
};

// One upstream TCP connection, reused for many queries (pipelined, answers in any order).
struct UpstreamTcp {
  std::unique_ptr<tcp::socket> socket;
  bool connecting = false;
  bool connected = false;
  bool writing = false;
  std::uint32_t generation = 0;            // a new connection, a new generation
  std::deque<std::vector<std::uint8_t>> queue;  // framed queries not yet written (bounded by
                                                // the pending table: one per pending query)
  std::vector<boost::asio::const_buffer> gather;  // the write in progress
  std::vector<std::uint8_t> read_buffer;
  std::size_t have = 0;                           // bytes of read_buffer holding data
  Clock::time_point last_used;
};

struct UpstreamState {
  Endpoint endpoint;
  udp::endpoint udp_endpoint;
  std::unique_ptr<udp::socket> udp_socket;  // connected: the kernel drops datagrams from others
  std::unique_ptr<UdpSendBatch> out;          // queries to send on udp_socket
  UpstreamTcp tcp;
  std::vector<std::int32_t> ids;     // upstream id -> pending slot, -1 when free
  int consecutive_failures = 0;
  bool down = false;
  Clock::time_point retry_at;        // when down: the time to probe it again
};

struct UdpListener {
  std::unique_ptr<udp::socket> socket;
};

// Random 16-bit ids from the kernel CSPRNG (getrandom), drawn in blocks.
class IdSource {
 public:
  std::uint16_t next();

 private:
  std::array<std::uint16_t, 1024> block_{};
  std::size_t used_ = block_.size();
};

struct DnsServer::Impl : std::enable_shared_from_this<DnsServer::Impl> {
  Impl(boost::asio::io_context& io, std::shared_ptr<const policy::Policy> policy,
       std::vector<Upstream> upstreams, core::EventSink& events, const core::Logger& log);

  boost::asio::io_context& io;
  std::shared_ptr<const policy::Policy> policy;  // swapped on the io thread only
  core::EventSink& events;
  const core::Logger& log;
  DnsStats stats;
  LearnedAddresses learned;
  AnswerCache cache;
  EventLimiter limiter;
  EventBatcher batcher;  // between the limiter and `events`
  boost::asio::steady_timer batch_timer;
  bool batch_armed = false;
  IdSource id_source;

  // Sealed at start from the policy.
  std::vector<std::string> search_suffixes;  // ".corp.example": lower case, dot first
  std::size_t max_inflight;
  std::size_t max_tcp_clients;
  std::chrono::milliseconds tcp_idle;
  std::chrono::milliseconds retry_after;

  bool started = false;
  bool stopped = false;
  Endpoint bound;
  UdpListener udp_listener;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::list<std::weak_ptr<TcpSession>> sessions;
  std::size_t session_count = 0;

  std::vector<UpstreamState> upstreams;
  std::vector<Pending> slots;
  std::vector<int> free_slots;
  int inflight_head = -1;
  std::size_t inflight = 0;
  boost::asio::steady_timer tick_timer;   // timeouts; runs while queries are in flight
  bool ticking = false;
  boost::asio::steady_timer flush_timer;  // event limiter flush; runs while it has entries
  bool flushing = false;

  static constexpr std::size_t kClientBatch = 32;
  static constexpr std::size_t kMaxClientQuery = 4096;  // a bigger UDP query is dropped
  static constexpr std::size_t kUpstreamBatch = 16;
  UdpBatch client_batch;    // queries from UDP clients
  UdpBatch upstream_batch;  // answers from upstreams (any size up to 64 KiB)
  static constexpr std::size_t kSendBatch = 64;
  static constexpr std::size_t kSendBuffer = 4096;  // bigger datagrams are sent at once
  UdpSendBatch client_out;  // answers to UDP clients, sent when the current handler is done
  bool flush_posted = false;
  bool draining = false;  // inside a drain handler: it flushes at its end
  // Marks a drain handler; its end sends what it queued.
  struct Drain {
    explicit Drain(Impl& impl) : impl_(impl) { impl_.draining = true; }
    ~Drain() {
      impl_.draining = false;
      if (!impl_.stopped) impl_.flush_sends();
    }
    Drain(const Drain&) = delete;
    Drain& operator=(const Drain&) = delete;
    Impl& impl_;
  };
  std::vector<std::uint8_t> answer_buffer;   // answers we build or rewrite
  std::vector<std::uint8_t> cache_buffer;

  // dns_server.cc
  std::error_code start(const Endpoint& listen);
  void stop();
  void receive_udp();
  void drain_udp();
  void handle_query(std::span<const std::uint8_t> packet, Downstream& downstream, Clock::time_point now);
  void send_to(Downstream& downstream, std::span<const std::uint8_t> answer);
  void send_upstream(UpstreamState& upstream, std::span<const std::uint8_t> query);
  void post_flush();
  void flush_sends();
  void deliver(Pending& pending, std::span<std::uint8_t> answer);
  void fail(Pending& pending);
  void report(const policy::Policy& active, const Query& query, const Downstream& downstream,
              bool prevented, const std::string& rule, const std::string& message);
  void schedule_flush();
  void arm_batch();

  // forwarder.cc
  void open_upstreams();
  bool forward(const Query& query, std::span<const std::uint8_t> packet, Downstream& downstream,
               Clock::time_point now, bool tcp_only);
  bool attempt(int slot, Clock::time_point now);
  int choose_upstream(Pending& pending, Clock::time_point now);
  void receive_upstream_udp(int upstream);
  void drain_upstream_udp(int upstream);
  void on_upstream_answer(int upstream, bool via_tcp, std::span<std::uint8_t> answer);
  void release(int slot);
  void schedule_tick();
  void on_tick();
  void mark_failure(int upstream, Clock::time_point now);
  void mark_success(int upstream);

  // upstream_tcp.cc
  void tcp_send(int upstream, std::span<const std::uint8_t> query);
  void tcp_connect(int upstream);
  void tcp_write(int upstream);
  void tcp_read(int upstream);
  void tcp_broken(int upstream, std::uint32_t generation, const std::string& why);
};

}  // namespace defender::dnsproxy

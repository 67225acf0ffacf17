// ProxyStats: the proxy's counters, one struct of relaxed atomics per worker thread (no cache
// line shared between threads on the hot path); Proxy::stats() sums them into a snapshot.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace defender::cnaf {

// Request latency (head received -> response complete) in power-of-two microsecond buckets:
// bucket i counts latencies in [2^i, 2^(i+1)) us; the last bucket takes everything above.
inline constexpr std::size_t kLatencyBuckets = 32;

struct ProxyStatsSnapshot {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_active = 0;
  std::uint64_t connections_refused = 0;  // over max_connections, or refused by the inspector
  std::uint64_t requests = 0;
  std::uint64_t h2_streams = 0;
  std::array<std::uint64_t, 6> responses{};  // [0]: other, [1..5]: 1xx..5xx
  std::uint64_t blocked = 0;                 // refused by the inspector's verdict
  std::uint64_t protocol_errors = 0;         // malformed, smuggling, limits
  std::uint64_t header_timeouts = 0;
  std::uint64_t upstream_connect_errors = 0;
  std::uint64_t upstream_timeouts = 0;
  std::uint64_t upstream_connections = 0;    // opened
  std::uint64_t upstream_reused = 0;         // requests sent on a pooled connection
  std::uint64_t bytes_from_clients = 0;
  std::uint64_t bytes_to_clients = 0;
  std::array<std::uint64_t, kLatencyBuckets> latency_us{};

  // Upper bound (us) of the bucket holding the given quantile (0..1); 0 when empty.
  std::uint64_t latency_quantile_us(double q) const;
  std::string to_string() const;  // one line, for logs
};

struct alignas(64) ProxyStats {
  using Counter = std::atomic<std::uint64_t>;
  Counter connections_accepted{0};
  Counter connections_active{0};
  Counter connections_refused{0};
  Counter requests{0};
  Counter h2_streams{0};
  std::array<Counter, 6> responses{};
  Counter blocked{0};
  Counter protocol_errors{0};
  Counter header_timeouts{0};
  Counter upstream_connect_errors{0};
  Counter upstream_timeouts{0};
  Counter upstream_connections{0};
  Counter upstream_reused{0};
  Counter bytes_from_clients{0};
  Counter bytes_to_clients{0};
  std::array<Counter, kLatencyBuckets> latency_us{};

  static void add(Counter& c, std::uint64_t n = 1) noexcept { c.fetch_add(n, std::memory_order_relaxed); }
  void count_status(int status) noexcept;
  void record_latency(std::chrono::steady_clock::duration d) noexcept;
  void add_to(ProxyStatsSnapshot& s) const noexcept;
};

}  // namespace defender::cnaf

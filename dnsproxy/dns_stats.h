// Counters of the DNS proxy, one struct (exported by the supervisor's metrics endpoint).
// Written by the server's io thread only, read from any thread (relaxed atomics).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace defender::dnsproxy {

struct DnsStats {
  using Counter = std::atomic<std::uint64_t>;

  Counter queries_udp{0};        // queries received (parsed or not)
  Counter queries_tcp{0};
  Counter answered{0};           // answers sent to clients, of every kind
  Counter blocked{0};            // denied in prevent mode (query name or CNAME chain)
  Counter alerted{0};            // denied in alert mode, forwarded
  Counter forwarded{0};          // queries sent upstream (first attempts)
  Counter cache_hits{0};
  Counter malformed{0};          // FORMERR/NOTIMP answers, and packets dropped as unreadable
  Counter dropped{0};            // unreadable, responses sent to us, unsendable answers
  Counter servfail{0};           // SERVFAIL after every upstream failed or timed out
  Counter upstream_timeouts{0};  // attempts that timed out
  Counter upstream_failures{0};  // TCP upstream connections that failed or broke
  Counter upstream_retries{0};   // attempts beyond the first
  Counter truncated_retries{0};  // truncated UDP answers retried over TCP
  Counter mismatched_answers{0}; // answers with an unknown id, wrong source or other question
  Counter inflight_full{0};      // SERVFAIL because max_inflight queries were waiting
  Counter tcp_connections{0};    // accepted TCP clients
  Counter tcp_refused{0};        // TCP clients closed at once: max_tcp_clients reached
  Counter reloads{0};

  // Latency of forwarded queries (receipt to answer), microseconds, upper bounds of buckets;
  // the last bucket counts everything slower.
  static constexpr std::array<std::uint32_t, 14> kLatencyBoundsUs = {
      100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000};
  std::array<Counter, kLatencyBoundsUs.size() + 1> latency{};
  Counter latency_sum_us{0};

  void record_latency(std::chrono::microseconds elapsed) noexcept {
    const auto us = static_cast<std::uint64_t>(elapsed.count() < 0 ? 0 : elapsed.count());
    std::size_t bucket = 0;
    while (bucket < kLatencyBoundsUs.size() && us > kLatencyBoundsUs[bucket]) ++bucket;
    latency[bucket].store(latency[bucket].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    latency_sum_us.store(latency_sum_us.load(std::memory_order_relaxed) + us, std::memory_order_relaxed);
  }
};

// Counters have one writer (the io thread): a plain load and store, no locked instruction.
inline void bump(DnsStats::Counter& counter) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace defender::dnsproxy

#include "cnaf/proxy_stats.h"

#include <bit>
#include <sstream>

namespace defender::cnaf {

void ProxyStats::count_status(int status) noexcept {
  const int klass = status / 100;
  add(responses[(klass >= 1 && klass <= 5) ? static_cast<std::size_t>(klass) : 0]);
}

void ProxyStats::record_latency(std::chrono::steady_clock::duration d) noexcept {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  const std::uint64_t v = us > 0 ? static_cast<std::uint64_t>(us) : 1;
  std::size_t bucket = static_cast<std::size_t>(std::bit_width(v) - 1);
  if (bucket >= kLatencyBuckets) bucket = kLatencyBuckets - 1;
  add(latency_us[bucket]);
}

void ProxyStats::add_to(ProxyStatsSnapshot& s) const noexcept {
  auto get = [](const Counter& c) { return c.load(std::memory_order_relaxed); };
  s.connections_accepted += get(connections_accepted);
  s.connections_active += get(connections_active);
  s.connections_refused += get(connections_refused);
  s.requests += get(requests);
  s.h2_streams += get(h2_streams);
  for (std::size_t i = 0; i < responses.size(); ++i) s.responses[i] += get(responses[i]);
  s.blocked += get(blocked);
  s.protocol_errors += get(protocol_errors);
  s.header_timeouts += get(header_timeouts);
  s.upstream_connect_errors += get(upstream_connect_errors);
  s.upstream_timeouts += get(upstream_timeouts);
  s.upstream_connections += get(upstream_connections);
  s.upstream_reused += get(upstream_reused);
  s.bytes_from_clients += get(bytes_from_clients);
  s.bytes_to_clients += get(bytes_to_clients);
  for (std::size_t i = 0; i < latency_us.size(); ++i) s.latency_us[i] += get(latency_us[i]);
}

std::uint64_t ProxyStatsSnapshot::latency_quantile_us(double q) const {
  std::uint64_t total = 0;
  for (const auto c : latency_us) total += c;
  if (total == 0) return 0;
  const auto want = static_cast<std::uint64_t>(q * static_cast<double>(total));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < latency_us.size(); ++i) {
    seen += latency_us[i];
    if (seen > want || seen == total) return std::uint64_t{1} << (i + 1);
  }
  return std::uint64_t{1} << kLatencyBuckets;
}

std::string ProxyStatsSnapshot::to_string() const {
  std::ostringstream o;
  o << "connections=" << connections_accepted << " active=" << connections_active
    << " refused=" << connections_refused << " requests=" << requests << " h2_streams=" << h2_streams
    << " 2xx=" << responses[2] << " 3xx=" << responses[3] << " 4xx=" << responses[4]
    << " 5xx=" << responses[5] << " blocked=" << blocked << " protocol_errors=" << protocol_errors
    << " upstream_errors=" << upstream_connect_errors << " upstream_timeouts=" << upstream_timeouts
    << " p50_us<=" << latency_quantile_us(0.5) << " p99_us<=" << latency_quantile_us(0.99);
  return o.str();
}

}  // namespace defender::cnaf

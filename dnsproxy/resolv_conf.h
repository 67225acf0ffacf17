// /etc/resolv.conf as the C libraries read it (resolv.conf(5)): `nameserver` lines (IPv4, IPv6,
// IPv6 with %scope; at most 3 are used, like glibc and musl), `search`/`domain`, `options`.
// The DNS proxy takes its default upstreams from it; the supervisor rewrites the file so that
// the app's lookups reach the proxy (rewrite_resolv_conf), keeping search and options.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "dnsproxy/endpoint.h"

namespace defender::dnsproxy {

inline constexpr std::size_t kMaxNameservers = 3;  // MAXNS of glibc and musl

struct ResolvConf {
  std::vector<Endpoint> nameservers;  // in file order, port 53, ours and extras removed
  std::vector<std::string> search;    // the last `search` or `domain` line wins, as in glibc
  std::vector<std::string> options;   // raw tokens of every `options` line: "ndots:5", "rotate"
  int ndots = 1;                      // parsed options (resolv.conf(5) defaults)
  int timeout_s = 5;
  int attempts = 2;
  bool rotate = false;
  bool use_vc = false;                // "use-vc"/"usevc": TCP only
  bool edns0 = false;
  // Lines that were ignored, as "LINE: why" (unknown address, nameserver beyond 3, ours).
  std::vector<std::string> notes;
};

// `ignore`: addresses that are the proxy itself (its listen address; with an unspecified
// listen address, every local loopback address too): never forward to ourselves. Only port 53
// counts, since resolv.conf cannot name a port.
ResolvConf parse_resolv_conf(std::string_view text, const std::vector<Endpoint>& ignore = {});

// Reads and parses `path`; an unreadable file sets `ec` and returns an empty ResolvConf.
ResolvConf read_resolv_conf(const std::string& path, std::error_code& ec,
                            const std::vector<Endpoint>& ignore = {});

// `original` with every `nameserver` line replaced by one `nameserver <address>` line (placed
// where the first one was, or first) and the old ones kept as comments; search, options and
// comments are kept as they were. Used by the supervisor to point the app at the proxy.
std::string rewrite_resolv_conf(std::string_view original, const boost::asio::ip::address& address);

}  // namespace defender::dnsproxy

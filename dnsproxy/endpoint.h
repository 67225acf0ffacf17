// An IP endpoint of the DNS proxy (a listen address or an upstream) and its text forms:
// "127.0.0.1:53", "[::1]:5353", "10.0.0.2" (default port), "2001:db8::1", "fe80::1%eth0".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace defender::dnsproxy {

struct Endpoint {
  boost::asio::ip::address address;
  std::uint16_t port = 53;

  std::string to_string() const;  // "127.0.0.1:53", "[::1]:53", "[fe80::1%eth0]:53"
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// Parses "ADDR", "ADDR:PORT", "[V6]", "[V6]:PORT" or a bare IPv6 address (with an optional
// %scope). Without a port, `default_port`. nullopt and `error` set when malformed.
std::optional<Endpoint> parse_endpoint(std::string_view text, std::uint16_t default_port,
                                       std::string* error = nullptr);

// An upstream resolver the proxy forwards to.
struct Upstream {
  Endpoint endpoint;
};

}  // namespace defender::dnsproxy

// Endpoints as policies and flags write them: "127.0.0.1:53", "[::1]:8080", "localhost:8081",
// and for DNS upstreams a bare address ("10.0.0.2", "2001:db8::1") taking a default port.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace defender::policy {

struct Endpoint {
  std::string host;  // without brackets
  std::uint16_t port = 0;
  bool is_ip = false;  // host is an IPv4/IPv6 literal (else a host name)
  std::string to_string() const;  // "[::1]:53" / "127.0.0.1:53"
};

struct EndpointRules {
  std::uint16_t default_port = 0;  // 0: the port is required
  bool allow_names = false;        // host names besides IP literals
};

// nullopt with `error` set ("port 99999 is not 1-65535", ...) when malformed.
std::optional<Endpoint> parse_endpoint(std::string_view text, const EndpointRules& rules,
                                       std::string* error);

}  // namespace defender::policy

#include "policy/endpoint.h"

#include <charconv>

#include "policy/cidr_set.h"

namespace defender::policy {
namespace {

// "'TEXT'REST", built by appending (GCC 12 at -O3 warns falsely about "'" + std::string(...)).
std::string quoted(std::string_view text, std::string_view rest) {
  std::string out;
  out.reserve(text.size() + rest.size() + 2);
  out.push_back('\'');
  out.append(text);
  out.push_back('\'');
  out.append(rest);
  return out;
}

bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string Endpoint::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<Endpoint> parse_endpoint(std::string_view text, const EndpointRules& rules,
                                       std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Endpoint> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  if (text.empty()) return fail("empty address");
  Endpoint endpoint;
  std::string_view host = text;
  std::string_view port_text;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return fail(quoted(text, ": missing ']'"));
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail(quoted(text, ": expected ':PORT' after ']'"));
      port_text = rest.substr(1);
    }
  } else if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) {
      host = text;  // a bare IPv6 address: no port possible without brackets
    } else {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
    }
  }
  endpoint.host = std::string(host);
  endpoint.is_ip = parse_ip(host).has_value();
  if (!endpoint.is_ip) {
    if (!rules.allow_names) return fail(quoted(host, " is not an IPv4 or IPv6 address"));
    if (!valid_host_name(host)) return fail(quoted(host, " is not a valid host name"));
  }
  if (port_text.empty()) {
    if (rules.default_port == 0) return fail(quoted(text, " needs a port (ADDR:PORT)"));
    endpoint.port = rules.default_port;
    return endpoint;
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return fail("port '" + std::string(port_text) + "' is not 1-65535");
  }
  endpoint.port = static_cast<std::uint16_t>(port);
  return endpoint;
}

}  // namespace defender::policy

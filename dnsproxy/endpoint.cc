#include "dnsproxy/endpoint.h"

#include <charconv>

namespace defender::dnsproxy {

std::string Endpoint::to_string() const {
  const std::string host = address.to_string();
  return (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<Endpoint> parse_endpoint(std::string_view text, std::uint16_t default_port,
                                       std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Endpoint> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  const std::string quoted = "'" + std::string(text) + "'";
  if (text.empty()) return fail("empty address");
  std::string_view host = text;
  std::string_view port_text;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return fail(quoted + ": missing ']'");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return fail(quoted + ": expected ':PORT' after ']'");
      port_text = rest.substr(1);
      if (port_text.empty()) return fail(quoted + ": empty port");
    }
  } else if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') == colon) {  // one colon: ADDR:PORT; more: a bare IPv6 address
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return fail(quoted + ": empty port");
    }
  }
  Endpoint endpoint;
  boost::system::error_code ec;
  endpoint.address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return fail(quoted + ": '" + std::string(host) + "' is not an IPv4 or IPv6 address");
  endpoint.port = default_port;
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, perr] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (perr != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
      return fail(quoted + ": port '" + std::string(port_text) + "' is not 0-65535");
    }
    endpoint.port = static_cast<std::uint16_t>(port);
  }
  return endpoint;
}

}  // namespace defender::dnsproxy

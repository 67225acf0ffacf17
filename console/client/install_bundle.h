// The install bundle (INSTALL_BUNDLE): base64 of {"ws_address", "ca_cert", "token"}, what a
// defender needs to reach its console and be accepted. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace defender::console {

struct InstallBundle {
  std::string ws_address;  // wss://HOST:PORT
  std::string ca_cert_pem;
  std::string token;
};

std::optional<InstallBundle> parse_install_bundle(std::string_view text, std::string& error);

struct WsAddress {
  std::string host;  // without brackets for IPv6
  std::string port;
  std::string path = "/";
};
// "wss://host:port[/path]" (default port 8084); only wss (the token never travels in clear).
std::optional<WsAddress> parse_ws_address(std::string_view text, std::string& error);

}  // namespace defender::console

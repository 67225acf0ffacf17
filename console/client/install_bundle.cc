#include "console/client/install_bundle.h"

#include <nlohmann/json.hpp>

#include "console/crypto_util.h"

namespace defender::console {

std::optional<InstallBundle> parse_install_bundle(std::string_view text, std::string& error) {
  const auto decoded = base64_decode(text);
  if (!decoded) {
    error = "INSTALL_BUNDLE is not base64";
    return std::nullopt;
  }
  const auto object = nlohmann::json::parse(*decoded, nullptr, false);
  if (!object.is_object()) {
    error = "INSTALL_BUNDLE does not hold a JSON object";
    return std::nullopt;
  }
  InstallBundle bundle;
  for (auto [key, field] : {std::pair{"ws_address", &bundle.ws_address},
                            std::pair{"ca_cert", &bundle.ca_cert_pem},
                            std::pair{"token", &bundle.token}}) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) {
      error = std::string("INSTALL_BUNDLE lacks ") + key;
      return std::nullopt;
    }
    *field = it->get<std::string>();
  }
  return bundle;
}

std::optional<WsAddress> parse_ws_address(std::string_view text, std::string& error) {
  constexpr std::string_view kScheme = "wss://";
  if (text.substr(0, kScheme.size()) != kScheme) {
    error = "console address '" + std::string(text) + "': expected wss://HOST:PORT";
    return std::nullopt;
  }
  text.remove_prefix(kScheme.size());
  WsAddress address;
  const std::size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    address.path = std::string(text.substr(slash));
    text = text.substr(0, slash);
  }
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) {
      error = "console address: unclosed [";
      return std::nullopt;
    }
    address.host = std::string(text.substr(1, close - 1));
    if (close + 1 < text.size() && text[close + 1] == ':') port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    address.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port = text.substr(colon + 1);
  }
  address.port = port.empty() ? "8084" : std::string(port);
  if (address.host.empty()) {
    error = "console address without a host";
    return std::nullopt;
  }
  for (char c : address.port) {
    if (c < '0' || c > '9') {
      error = "console address: bad port '" + address.port + "'";
      return std::nullopt;
    }
  }
  return address;
}

}  // namespace defender::console

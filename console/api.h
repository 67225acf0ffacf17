// Api: the console's HTTP API under /api/v1/ and the web UI's files. One request in, one
// response out; no sockets here (ConsoleServer does the I/O), so each route can be read on
// its own. Called on the server's I/O threads; thread-safe (it only holds references to
// thread-safe parts).
#pragma once

#include <cstdint>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "console/auth.h"
#include "console/defender_hub.h"
#include "console/event_writer.h"
#include "core/log.h"

namespace defender::console {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct ApiOptions {
  std::string data_folder;
  std::string defender_binary;     // for downloads and embed; "" picks one beside this binary
  std::string public_ws_address;   // what bundles name; "" derives wss://<Host>:<defender port>
  std::uint16_t defender_port = 8084;
  std::string ca_cert_pem;         // what the install bundle carries
  std::string defender_token;
  std::size_t max_binary_bytes = std::size_t{256} << 20;
  int password_iterations = 120'000;
};

class Api {
 public:
  Api(Store& store, Auth& auth, DefenderHub& hub, EventWriter& writer, ApiOptions options,
      const core::Logger& log);

  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse route(const HttpRequest& request, const Principal& who, const std::string& path,
                     const std::string& query);
  HttpResponse login(const HttpRequest& request);
  HttpResponse get_policy(const HttpRequest& request, const std::string& app_id, const std::string& query);
  HttpResponse put_policy(const HttpRequest& request, const Principal& who, const std::string& app_id,
                          const std::string& query);
  HttpResponse list_policies(const HttpRequest& request);
  HttpResponse list_defenders(const HttpRequest& request);
  HttpResponse query_events(const HttpRequest& request, const std::string& query);
  HttpResponse install_bundle(const HttpRequest& request);
  HttpResponse embed(const HttpRequest& request);
  HttpResponse download_binary(const HttpRequest& request);
  HttpResponse list_users(const HttpRequest& request);
  HttpResponse put_user(const HttpRequest& request, const std::string& name);
  HttpResponse status(const HttpRequest& request);

  std::string ws_address(const HttpRequest& request) const;
  std::string bundle_text(const HttpRequest& request) const;

  Store& store_;
  Auth& auth_;
  DefenderHub& hub_;
  EventWriter& writer_;
  ApiOptions options_;
  core::Logger log_;
};

// Helpers the routes share (api_util.cc).
HttpResponse json_response(const HttpRequest& request, unsigned status, const nlohmann::json& body);
HttpResponse error_response(const HttpRequest& request, unsigned status, const std::string& message);
std::string query_param(const std::string& query, const std::string& key);  // URL-decoded
std::string url_decode(std::string_view text);
bool valid_app_id(std::string_view id);
inline std::string_view to_sv(boost::beast::string_view text) { return {text.data(), text.size()}; }

}  // namespace defender::console

#include <cctype>

#include "console/api.h"

namespace defender::console {

namespace http = boost::beast::http;

HttpResponse json_response(const HttpRequest& request, unsigned status, const nlohmann::json& body) {
  HttpResponse response{static_cast<http::status>(status), request.version()};
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(request.keep_alive());
  response.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.prepare_payload();
  return response;
}

HttpResponse error_response(const HttpRequest& request, unsigned status, const std::string& message) {
  return json_response(request, status, nlohmann::json{{"error", message}});
}

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string query_param(const std::string& query, const std::string& key) {
  std::string_view rest(query);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (url_decode(pair.substr(0, eq)) == key) {
      return eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
    }
  }
  return "";
}

bool valid_app_id(std::string_view id) {
  if (id.empty() || id.size() > 128 || !std::isalnum(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace defender::console

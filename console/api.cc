#include "console/api.h"

#include <charconv>

#include "console/channel_protocol.h"
#include "console/crypto_util.h"
#include "console/web_assets.h"
#include "core/events.h"
#include "policy/loader.h"

namespace defender::console {

namespace http = boost::beast::http;
using json = nlohmann::json;

namespace {

bool can_write_policy(Role role) { return role == Role::admin; }
bool can_manage_defenders(Role role) { return role == Role::admin || role == Role::defender_manager; }

// A time given as Unix ms or RFC 3339; nullopt when absent, `bad` set when unreadable.
std::optional<std::int64_t> time_param(const std::string& text, bool& bad) {
  if (text.empty()) return std::nullopt;
  std::int64_t ms = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec == std::errc() && end == text.data() + text.size()) return ms;
  if (auto parsed = parse_rfc3339_ms(text)) return parsed;
  bad = true;
  return std::nullopt;
}

bool size_param(const std::string& text, std::size_t& out) {
  if (text.empty()) return true;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Api::Api(Store& store, Auth& auth, DefenderHub& hub, EventWriter& writer, ApiOptions options,
         const core::Logger& log)
    : store_(store), auth_(auth), hub_(hub), writer_(writer), options_(std::move(options)), log_(log) {}

HttpResponse Api::handle(const HttpRequest& request) {
  const std::string target(request.target());
  const std::size_t question = target.find('?');
  const std::string path = target.substr(0, question);
  const std::string query = question == std::string::npos ? "" : target.substr(question + 1);

  try {
    if (path.rfind("/api/", 0) != 0) {
      if (request.method() != http::verb::get && request.method() != http::verb::head) {
        return error_response(request, 405, "method not allowed");
      }
      const WebAsset* asset = find_web_asset(path);
      if (asset == nullptr) return error_response(request, 404, "not found");
      HttpResponse response{http::status::ok, request.version()};
      response.set(http::field::content_type, std::string(asset->content_type));
      response.set(http::field::cache_control, "no-cache");
      response.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
      response.set("X-Content-Type-Options", "nosniff");
      response.keep_alive(request.keep_alive());
      response.body() = std::string(asset->body);
      response.prepare_payload();
      return response;
    }
    if (path == "/api/v1/login") {
      if (request.method() != http::verb::post) return error_response(request, 405, "use POST");
      return login(request);
    }
    bool session_refused = false;
    const auto who = auth_.authenticate(to_sv(request[http::field::authorization]),
                                        to_sv(request[http::field::cookie]), session_refused);
    if (!who) {
      auto response = error_response(request, 401,
                                     session_refused ? "session expired or unknown: log in again"
                                                     : "authentication required");
      // The challenge only for basic-auth clients: a browser would open its own login dialog
      // over the web UI's (and a headless one would wait on it forever).
      if (!request[http::field::authorization].empty()) {
        response.set(http::field::www_authenticate, "Basic realm=\"defender console\"");
      }
      return response;
    }
    return route(request, *who, path, query);
  } catch (const std::exception& e) {
    log_.error("console", "API " + path + ": " + e.what());
    return error_response(request, 500, "internal error (see the console's log)");
  }
}

HttpResponse Api::route(const HttpRequest& request, const Principal& who, const std::string& path,
                        const std::string& query) {
  const auto method = request.method();
  constexpr std::string_view kPolicies = "/api/v1/policies/";
  constexpr std::string_view kUsers = "/api/v1/users/";
  if (path == "/api/v1/logout") {
    auth_.sessions().remove(cookie_value(to_sv(request[http::field::cookie]), kSessionCookie));
    auto response = json_response(request, 200, json{{"ok", true}});
    response.set(http::field::set_cookie, std::string(kSessionCookie) +
                                              "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
    return response;
  }
  if (path == "/api/v1/me") {
    return json_response(request, 200, json{{"user", who.user}, {"role", role_name(who.role)}});
  }
  if (path == "/api/v1/policies" && method == http::verb::get) return list_policies(request);
  if (path.rfind(kPolicies, 0) == 0) {
    const std::string app_id = url_decode(path.substr(kPolicies.size()));
    if (!valid_app_id(app_id)) return error_response(request, 400, "bad app id '" + app_id + "'");
    if (method == http::verb::get) return get_policy(request, app_id, query);
    if (method == http::verb::put || method == http::verb::post) {
      const bool validate_only = query_param(query, "validate_only") == "1";
      if (!validate_only && !can_write_policy(who.role)) {
        return error_response(request, 403, std::string("role ") + role_name(who.role) +
                                                " may not change policies");
      }
      return put_policy(request, who, app_id, query);
    }
    return error_response(request, 405, "use GET or PUT");
  }
  if (path == "/api/v1/defenders" && method == http::verb::get) return list_defenders(request);
  if (path == "/api/v1/events" && method == http::verb::get) return query_events(request, query);
  if (path == "/api/v1/status" && method == http::verb::get) return status(request);
  if (path == "/api/v1/defenders/install-bundle" && method == http::verb::get) {
    if (!can_manage_defenders(who.role)) return error_response(request, 403, "admin or defender-manager only");
    return install_bundle(request);
  }
  if (path == "/api/v1/defenders/embed") {
    if (method != http::verb::post) return error_response(request, 405, "use POST");
    if (!can_manage_defenders(who.role)) return error_response(request, 403, "admin or defender-manager only");
    return embed(request);
  }
  if (path == "/api/v1/defenders/binary" && method == http::verb::get) {
    if (!can_manage_defenders(who.role)) return error_response(request, 403, "admin or defender-manager only");
    return download_binary(request);
  }
  if (path == "/api/v1/users" && method == http::verb::get) {
    if (who.role != Role::admin) return error_response(request, 403, "admin only");
    return list_users(request);
  }
  if (path.rfind(kUsers, 0) == 0 && method == http::verb::put) {
    if (who.role != Role::admin) return error_response(request, 403, "admin only");
    return put_user(request, url_decode(path.substr(kUsers.size())));
  }
  return error_response(request, 404, "no such API: " + std::string(request.method_string()) + " " + path);
}

HttpResponse Api::login(const HttpRequest& request) {
  const json body = json::parse(request.body(), nullptr, false);
  if (!body.is_object() || !body.contains("user") || !body["user"].is_string() ||
      !body.contains("password") || !body["password"].is_string()) {
    return error_response(request, 400, "expected {\"user\": ..., \"password\": ...}");
  }
  const auto who = auth_.check_password(body["user"], body["password"]);
  if (!who) {
    log_.warn("console", "failed login for '" + body["user"].get<std::string>().substr(0, 64) + "'");
    return error_response(request, 401, "wrong user name or password");
  }
  const std::string token = auth_.sessions().create(*who);
  auto response = json_response(request, 200, json{{"user", who->user}, {"role", role_name(who->role)}});
  response.set(http::field::set_cookie,
               std::string(kSessionCookie) + "=" + token + "; Path=/; Max-Age=" +
                   std::to_string(auth_.sessions().ttl().count()) +
                   "; HttpOnly; Secure; SameSite=Strict");
  return response;
}

HttpResponse Api::get_policy(const HttpRequest& request, const std::string& app_id,
                             const std::string& query) {
  std::optional<PolicyRecord> record;
  const std::string version = query_param(query, "version");
  if (!version.empty()) {
    std::int64_t v = 0;
    if (std::from_chars(version.data(), version.data() + version.size(), v).ec != std::errc()) {
      return error_response(request, 400, "bad version");
    }
    record = store_.policy_version(app_id, v);
  } else {
    record = store_.policy(app_id);
  }
  if (!record) return error_response(request, 404, "no policy for app id '" + app_id + "'");
  if (query_param(query, "format") == "text") {
    HttpResponse response{http::status::ok, request.version()};
    response.set(http::field::content_type, "text/yaml; charset=utf-8");
    response.keep_alive(request.keep_alive());
    response.body() = record->text;
    response.prepare_payload();
    return response;
  }
  return json_response(request, 200,
                       json{{"app_id", record->app_id}, {"version", record->version},
                            {"text", record->text}, {"created", core::format_rfc3339_ms(record->created_ms)},
                            {"author", record->author}});
}

HttpResponse Api::put_policy(const HttpRequest& request, const Principal& who,
                             const std::string& app_id, const std::string& query) {
  const std::string& text = request.body();
  const auto loaded = policy::load_policy_text(text, app_id + ".yaml", options_.data_folder + "/lists");
  if (!loaded.ok()) {
    json errors = json::array();
    json places = json::array();
    for (const auto& diagnostic : loaded.errors) {
      errors.push_back(diagnostic.to_string());
      places.push_back(json{{"line", diagnostic.line}, {"column", diagnostic.column},
                            {"message", diagnostic.message}});
    }
    return json_response(request, 400, json{{"error", "invalid policy"}, {"errors", errors},
                                            {"diagnostics", places}});
  }
  if (query_param(query, "validate_only") == "1") {
    return json_response(request, 200, json{{"ok", true}, {"errors", json::array()}});
  }
  const PolicyRecord record = store_.put_policy(app_id, text, who.user);
  log_.info("console", who.user + " stored policy " + app_id + " version " + std::to_string(record.version));
  hub_.policy_changed(record);
  return json_response(request, 200, json{{"app_id", record.app_id}, {"version", record.version}});
}

HttpResponse Api::list_policies(const HttpRequest& request) {
  json out = json::array();
  for (const auto& record : store_.policies()) {
    out.push_back(json{{"app_id", record.app_id}, {"version", record.version},
                       {"created", core::format_rfc3339_ms(record.created_ms)},
                       {"author", record.author}});
  }
  return json_response(request, 200, json{{"policies", out}});
}

HttpResponse Api::query_events(const HttpRequest& request, const std::string& query) {
  EventQuery q;
  q.app_id = query_param(query, "app_id");
  q.type = query_param(query, "type");
  q.action = query_param(query, "action");
  bool bad = false;
  q.since_ms = time_param(query_param(query, "since"), bad);
  q.until_ms = time_param(query_param(query, "until"), bad);
  if (bad) return error_response(request, 400, "since/until: Unix milliseconds or RFC 3339 UTC");
  if (!size_param(query_param(query, "limit"), q.limit) ||
      !size_param(query_param(query, "offset"), q.offset)) {
    return error_response(request, 400, "limit/offset: non-negative integers");
  }
  json out = json::array();
  for (const auto& event : store_.events(q)) {
    json item = json::parse(event.json, nullptr, false);
    if (!item.is_object()) item = json::object();
    item["id"] = event.id;
    item["instance"] = event.instance;
    item["app_id"] = event.app_id;
    out.push_back(std::move(item));
  }
  return json_response(request, 200, json{{"events", out}, {"limit", q.limit}, {"offset", q.offset}});
}

HttpResponse Api::list_users(const HttpRequest& request) {
  json out = json::array();
  for (const auto& user : store_.users()) {
    out.push_back(json{{"name", user.name}, {"role", role_name(user.role)}});
  }
  return json_response(request, 200, json{{"users", out}});
}

HttpResponse Api::put_user(const HttpRequest& request, const std::string& name) {
  if (!valid_app_id(name)) return error_response(request, 400, "bad user name");
  const json body = json::parse(request.body(), nullptr, false);
  if (!body.is_object() || !body.contains("password") || !body["password"].is_string() ||
      !body.contains("role") || !body["role"].is_string()) {
    return error_response(request, 400, "expected {\"password\": ..., \"role\": admin|defender-manager|auditor}");
  }
  const auto role = parse_role(body["role"].get<std::string>());
  if (!role) return error_response(request, 400, "role: admin, defender-manager or auditor");
  const std::string password = body["password"];
  if (password.size() < 8 || password.size() > 1024) {
    return error_response(request, 400, "password: 8 to 1024 characters");
  }
  store_.put_user(UserRecord{name, *role, hash_password(password, options_.password_iterations)});
  auth_.forget_cached();
  return json_response(request, 200, json{{"name", name}, {"role", role_name(*role)}});
}

HttpResponse Api::status(const HttpRequest& request) {
  const auto stats = writer_.stats();
  return json_response(request, 200,
                       json{{"defenders_live", hub_.live_count()}, {"events_stored", stats.stored},
                            {"events_refused", stats.refused}, {"events_errors", stats.errors},
                            {"events_total", store_.event_count()}});
}

}  // namespace defender::console

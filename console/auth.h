// Auth: who is asking. HTTP basic authentication (checked against the users' PBKDF2 hashes,
// with a short bounded cache so that a script polling the API does not pay a key derivation
// per request) or the web UI's session cookie. Thread-safe; owned by the console server.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "console/sessions.h"
#include "console/store.h"

namespace defender::console {

inline constexpr const char* kSessionCookie = "defender_session";

class Auth {
 public:
  struct Options {
    std::chrono::seconds session_ttl{8 * 3600};
    std::size_t max_sessions = 10'000;
    std::chrono::seconds basic_cache_ttl{60};
    std::size_t basic_cache_entries = 1024;
  };
  Auth(Store& store, Options options);

  // Checks a user name and password against the store.
  std::optional<Principal> check_password(const std::string& user, const std::string& password);
  // From the Authorization header (Basic) or the Cookie header; nullopt when neither holds
  // valid credentials. `expired` is set when a session cookie was given but is not (or no
  // longer) valid.
  std::optional<Principal> authenticate(std::string_view authorization, std::string_view cookie,
                                        bool& session_refused);
  SessionTable& sessions() { return sessions_; }
  void forget_cached();  // after a password or role change

 private:
  using Clock = std::chrono::steady_clock;
  struct Cached {
    Principal principal;
    Clock::time_point expires;
  };
  Store& store_;
  Options options_;
  SessionTable sessions_;
  std::mutex mutex_;
  std::map<std::string, Cached> cache_;  // sha256(user \0 password) -> principal
};

// The value of cookie `name` in a Cookie header; "" when absent.
std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace defender::console

#include "console/auth.h"

#include <openssl/sha.h>

#include "console/crypto_util.h"

namespace defender::console {

Auth::Auth(Store& store, Options options)
    : store_(store), options_(options), sessions_(options.session_ttl, options.max_sessions) {}

std::optional<Principal> Auth::check_password(const std::string& user, const std::string& password) {
  if (user.empty() || user.size() > 128 || password.size() > 1024) return std::nullopt;
  const auto record = store_.user(user);
  if (!record || !verify_password(password, record->password_hash)) return std::nullopt;
  return Principal{record->name, record->role};
}

std::optional<Principal> Auth::authenticate(std::string_view authorization, std::string_view cookie,
                                            bool& session_refused) {
  session_refused = false;
  constexpr std::string_view kBasic = "Basic ";
  if (authorization.size() > kBasic.size() && authorization.substr(0, kBasic.size()) == kBasic) {
    const auto decoded = base64_decode(authorization.substr(kBasic.size()));
    if (!decoded) return std::nullopt;
    const std::size_t colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    const std::string user = decoded->substr(0, colon);
    const std::string password = decoded->substr(colon + 1);
    unsigned char digest[SHA256_DIGEST_LENGTH];
    const std::string material = user + '\0' + password;
    SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
    const std::string key(reinterpret_cast<const char*>(digest), sizeof digest);
    const auto now = Clock::now();
    {
      std::lock_guard lock(mutex_);
      if (const auto it = cache_.find(key); it != cache_.end()) {
        if (it->second.expires > now) return it->second.principal;
        cache_.erase(it);
      }
    }
    auto principal = check_password(user, password);
    if (principal) {
      std::lock_guard lock(mutex_);
      if (cache_.size() >= options_.basic_cache_entries) cache_.clear();
      cache_[key] = Cached{*principal, now + options_.basic_cache_ttl};
    }
    return principal;
  }
  const std::string token = cookie_value(cookie, kSessionCookie);
  if (token.empty()) return std::nullopt;
  auto principal = sessions_.find(token);
  if (!principal) session_refused = true;
  return principal;
}

void Auth::forget_cached() {
  std::lock_guard lock(mutex_);
  cache_.clear();
}

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return "";
}

}  // namespace defender::console

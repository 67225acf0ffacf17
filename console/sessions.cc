#include "console/sessions.h"

#include "console/crypto_util.h"

namespace defender::console {

std::string SessionTable::create(const Principal& principal) {
  std::string token = random_hex(32);
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (sessions_.size() >= max_sessions_) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      it = it->second.expires <= now ? sessions_.erase(it) : std::next(it);
    }
  }
  if (sessions_.size() >= max_sessions_ && !sessions_.empty()) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.created < oldest->second.created) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_[token] = Entry{principal, now, now + ttl_};
  return token;
}

std::optional<Principal> SessionTable::find(const std::string& token) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(token);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= Clock::now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second.principal;
}

void SessionTable::remove(const std::string& token) {
  std::lock_guard lock(mutex_);
  sessions_.erase(token);
}

}  // namespace defender::console

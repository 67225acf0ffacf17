// SessionTable: the web UI's login sessions (random token in a cookie -> user, role, expiry).
// Bounded: when full, expired sessions are dropped first, then the oldest. Thread-safe; owned
// by the console server.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "console/store.h"

namespace defender::console {

struct Principal {
  std::string user;
  Role role = Role::auditor;
};

class SessionTable {
 public:
  using Clock = std::chrono::steady_clock;
  SessionTable(std::chrono::seconds ttl, std::size_t max_sessions)
      : ttl_(ttl), max_sessions_(max_sessions) {}

  std::string create(const Principal& principal);  // returns the token
  std::optional<Principal> find(const std::string& token);  // nullopt when unknown or expired
  void remove(const std::string& token);
  std::chrono::seconds ttl() const { return ttl_; }

 private:
  struct Entry {
    Principal principal;
    Clock::time_point created;
    Clock::time_point expires;
  };
  std::chrono::seconds ttl_;
  std::size_t max_sessions_;
  std::mutex mutex_;
  std::map<std::string, Entry> sessions_;
};

}  // namespace defender::console

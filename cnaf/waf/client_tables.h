// Per-client state of the WAF: the ban table (address -> ban end) and the rate limiter
// (address -> token bucket). Both are bounded (`capacity` entries in all, split across
// shards each with its own mutex, so I/O threads rarely contend) and evict when full:
// expired bans first, otherwise the entry closest to expiry / the fullest bucket of a small
// sample. Time comes from a caller-supplied clock, so tests need no sleeping.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace defender::cnaf::waf {

using Clock = std::function<std::chrono::steady_clock::time_point()>;

class BanTable {
 public:
  BanTable(std::size_t capacity, Clock clock);
  void ban(std::string_view client, std::chrono::seconds duration);
  bool banned(std::string_view client);
  std::size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::chrono::steady_clock::time_point> until;
  };
  Shard& shard(std::string_view client);
  static constexpr std::size_t kShards = 16;
  std::array<Shard, kShards> shards_;
  std::size_t per_shard_;
  Clock clock_;
};

class RateLimiter {
 public:
  // rate <= 0 turns it off (allow() always true).
  RateLimiter(double rate_per_second, double burst, std::size_t capacity, Clock clock);
  // Takes one token for `client`; false when its bucket is empty.
  bool allow(std::string_view client);
  bool enabled() const noexcept { return rate_ > 0; }
  std::size_t size() const;

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;
  };
  Shard& shard(std::string_view client);
  static constexpr std::size_t kShards = 16;
  std::array<Shard, kShards> shards_;
  double rate_;
  double burst_;
  std::size_t per_shard_;
  Clock clock_;
};

// Header values found clean by this Waf, shared by its I/O threads: most requests repeat the
// User-Agent, Accept-Language, Referer ... of requests before them, and a value's verdict
// depends only on the header name, the value and the Waf's (fixed) settings. Direct-mapped
// and bounded (`slots` entries of at most `max_bytes` each, locks split across shards); a hit
// compares the name and value exactly, a collision only evicts. Only clean results are kept,
// so a hit can never hide an attack; the worst an attacker can do is evict entries.
class CleanHeaderCache {
 public:
  explicit CleanHeaderCache(std::size_t slots = 1024, std::size_t max_bytes = 512);
  bool contains(std::string_view lower_name, std::string_view value) const;
  void insert(std::string_view lower_name, std::string_view value);
  bool fits(std::string_view lower_name, std::string_view value) const noexcept {
    return lower_name.size() + value.size() <= max_bytes_;
  }

 private:
  struct Slot {
    std::string name;
    std::string value;
  };
  std::size_t index(std::string_view lower_name, std::string_view value) const noexcept;
  static constexpr std::size_t kShards = 16;
  mutable std::array<std::mutex, kShards> locks_;
  std::vector<Slot> slots_;
  std::size_t max_bytes_;
};

}  // namespace defender::cnaf::waf

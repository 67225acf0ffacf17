#include "cnaf/waf/client_tables.h"

#include <algorithm>

namespace defender::cnaf::waf {
namespace {

std::size_t shard_index(std::string_view client, std::size_t shards) {
  return std::hash<std::string_view>{}(client) % shards;
}

}  // namespace

BanTable::BanTable(std::size_t capacity, Clock clock)
    : per_shard_(std::max<std::size_t>(1, capacity / kShards)), clock_(std::move(clock)) {}

BanTable::Shard& BanTable::shard(std::string_view client) {
  return shards_[shard_index(client, kShards)];
}

void BanTable::ban(std::string_view client, std::chrono::seconds duration) {
  const auto now = clock_();
  Shard& s = shard(client);
  std::lock_guard lock(s.mutex);
  auto it = s.until.find(std::string(client));
  if (it != s.until.end()) {
    it->second = std::max(it->second, now + duration);
    return;
  }
  if (s.until.size() >= per_shard_) {
    // Drop expired bans; if none, the ban ending first among a few.
    std::erase_if(s.until, [&](const auto& e) { return e.second <= now; });
    if (s.until.size() >= per_shard_) {
      auto victim = s.until.begin();
      std::size_t looked = 0;
      for (auto e = s.until.begin(); e != s.until.end() && looked < 8; ++e, ++looked)
        if (e->second < victim->second) victim = e;
      s.until.erase(victim);
    }
  }
  s.until.emplace(std::string(client), now + duration);
}

bool BanTable::banned(std::string_view client) {
  Shard& s = shard(client);
  std::lock_guard lock(s.mutex);
  if (s.until.empty()) return false;
  const auto it = s.until.find(std::string(client));
  if (it == s.until.end()) return false;
  if (it->second > clock_()) return true;
  s.until.erase(it);
  return false;
}

std::size_t BanTable::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.until.size();
  }
  return n;
}

RateLimiter::RateLimiter(double rate_per_second, double burst, std::size_t capacity, Clock clock)
    : rate_(rate_per_second),
      burst_(std::max(1.0, burst > 0 ? burst : rate_per_second)),
      per_shard_(std::max<std::size_t>(1, capacity / kShards)),
      clock_(std::move(clock)) {}

RateLimiter::Shard& RateLimiter::shard(std::string_view client) {
  return shards_[shard_index(client, kShards)];
}

bool RateLimiter::allow(std::string_view client) {
  if (rate_ <= 0) return true;
  const auto now = clock_();
  Shard& s = shard(client);
  std::lock_guard lock(s.mutex);
  auto it = s.buckets.find(std::string(client));
  if (it == s.buckets.end()) {
    if (s.buckets.size() >= per_shard_) {
      // A full bucket carries no information: evict one (or the fullest of a few).
      auto victim = s.buckets.begin();
      std::size_t looked = 0;
      for (auto e = s.buckets.begin(); e != s.buckets.end() && looked < 8; ++e, ++looked)
        if (e->second.last < victim->second.last) victim = e;
      s.buckets.erase(victim);
    }
    it = s.buckets.emplace(std::string(client), Bucket{burst_, now}).first;
  } else {
    const double elapsed = std::chrono::duration<double>(now - it->second.last).count();
    it->second.tokens = std::min(burst_, it->second.tokens + std::max(0.0, elapsed) * rate_);
    it->second.last = now;
  }
  if (it->second.tokens < 1.0) return false;
  it->second.tokens -= 1.0;
  return true;
}

std::size_t RateLimiter::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.buckets.size();
  }
  return n;
}

CleanHeaderCache::CleanHeaderCache(std::size_t slots, std::size_t max_bytes)
    : slots_(std::max<std::size_t>(kShards, slots)), max_bytes_(max_bytes) {}

std::size_t CleanHeaderCache::index(std::string_view lower_name, std::string_view value) const noexcept {
  const std::size_t h = std::hash<std::string_view>{}(value) * 31 + std::hash<std::string_view>{}(lower_name);
  return h % slots_.size();
}

bool CleanHeaderCache::contains(std::string_view lower_name, std::string_view value) const {
  const std::size_t i = index(lower_name, value);
  std::lock_guard lock(locks_[i % kShards]);
  const Slot& s = slots_[i];
  return s.value == value && s.name == lower_name;
}

void CleanHeaderCache::insert(std::string_view lower_name, std::string_view value) {
  if (!fits(lower_name, value)) return;
  const std::size_t i = index(lower_name, value);
  std::lock_guard lock(locks_[i % kShards]);
  Slot& s = slots_[i];
  s.name.assign(lower_name);
  s.value.assign(value);
}

}  // namespace defender::cnaf::waf

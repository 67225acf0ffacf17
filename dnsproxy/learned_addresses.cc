#include "dnsproxy/learned_addresses.h"

#include <algorithm>
#include <cstring>

namespace defender::dnsproxy {

std::size_t LearnedAddresses::KeyHash::operator()(const Key& key) const noexcept {
  // FNV-1a: the keys are not attacker-chosen in bulk (the upstream picks them), and short.
  std::uint64_t hash = 1469598103934665603ull;
  for (const std::uint8_t byte : key) hash = (hash ^ byte) * 1099511628211ull;
  return static_cast<std::size_t>(hash);
}

LearnedAddresses::Key LearnedAddresses::make_key(std::string_view address) {
  Key key{};
  key[0] = static_cast<std::uint8_t>(address.size());
  std::memcpy(key.data() + 1, address.data(), std::min<std::size_t>(address.size(), 16));
  return key;
}

void LearnedAddresses::learn(std::string_view address, std::string_view name, std::uint32_t ttl_s,
                             Clock::time_point now) {
  if (limits_.capacity == 0 || (address.size() != 4 && address.size() != 16)) return;
  ttl_s = std::clamp(ttl_s, limits_.min_ttl_s, std::max(limits_.min_ttl_s, limits_.max_ttl_s));
  const Key key = make_key(address);
  const Clock::time_point expires = now + std::chrono::seconds(ttl_s);
  std::lock_guard lock(mutex_);
  const std::uint64_t generation = ++next_generation_;
  auto [it, inserted] = map_.try_emplace(key);
  if (!inserted && it->second.name == name && it->second.expires >= expires) return;
  if (it->second.name != name) it->second.name.assign(name);
  it->second.expires = std::max(it->second.expires, expires);
  it->second.generation = generation;
  order_.emplace_back(key, generation);
  // Drop order records that are stale (re-learned since) and, when over capacity, the oldest.
  while (!order_.empty()) {
    const auto& [old_key, old_generation] = order_.front();
    const auto found = map_.find(old_key);
    const bool stale = found == map_.end() || found->second.generation != old_generation;
    if (!stale && map_.size() <= limits_.capacity) break;
    if (!stale) map_.erase(found);
    order_.pop_front();
  }
  // order_ holds at most one live record per entry plus stale ones; keep it bounded too.
  if (order_.size() > 2 * limits_.capacity + 16) {
    std::deque<std::pair<Key, std::uint64_t>> live;
    for (const auto& record : order_) {
      const auto found = map_.find(record.first);
      if (found != map_.end() && found->second.generation == record.second) live.push_back(record);
    }
    order_.swap(live);
  }
}

std::optional<std::string> LearnedAddresses::lookup(const boost::asio::ip::address& address,
                                                    Clock::time_point now) const {
  Key key;
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    key = make_key(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } else {
    const auto bytes = address.to_v6().to_bytes();
    key = make_key(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  std::lock_guard lock(mutex_);
  const auto it = map_.find(key);
  if (it == map_.end() || it->second.expires <= now) return std::nullopt;
  return it->second.name;
}

std::size_t LearnedAddresses::size() const {
  std::lock_guard lock(mutex_);
  return map_.size();
}

}  // namespace defender::dnsproxy

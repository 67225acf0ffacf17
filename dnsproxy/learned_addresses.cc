#include "dnsproxy/learned_addresses.h"

#include <algorithm>
#include <cstring>

namespace defender::dnsproxy {

LearnedAddresses::LearnedAddresses(Limits limits) : limits_(limits) {
  if (limits_.capacity == 0) return;
  std::size_t size = kProbe;
  while (size < limits_.capacity) size <<= 1;
  slots_.resize(size);
  mask_ = size - 1;
}

LearnedAddresses::Key LearnedAddresses::make_key(std::string_view address) noexcept {
  Key key{};
  key[0] = static_cast<std::uint8_t>(address.size());
  std::memcpy(key.data() + 1, address.data(), std::min<std::size_t>(address.size(), 16));
  return key;
}

std::uint64_t LearnedAddresses::hash(const Key& key) noexcept {
  // FNV-1a then a final mix: the upstream chooses the addresses, not the app's peers.
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i <= key[0] && i < key.size(); ++i) h = (h ^ key[i]) * 1099511628211ull;
  h ^= h >> 29;
  return h;
}

std::int64_t LearnedAddresses::seconds(Clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

void LearnedAddresses::learn(std::string_view address, std::string_view name, std::uint32_t ttl_s,
                             Clock::time_point now) {
  if (slots_.empty() || (address.size() != 4 && address.size() != 16)) return;
  ttl_s = std::clamp(ttl_s, limits_.min_ttl_s, std::max(limits_.min_ttl_s, limits_.max_ttl_s));
  const Key key = make_key(address);
  const std::int64_t now_s = seconds(now);
  const std::int64_t expires = now_s + ttl_s;
  const std::size_t start = hash(key) & mask_;
  std::lock_guard lock(mutex_);
  Slot* victim = nullptr;
  for (std::size_t i = 0; i < kProbe; ++i) {
    Slot& slot = slots_[(start + i) & mask_];
    if (slot.key == key) {
      if (slot.name != name) slot.name.assign(name);
      slot.expires_s = std::max(slot.expires_s, expires);
      return;
    }
    // Prefer an empty or expired slot; otherwise the live one that expires first.
    if (slot.key[0] == 0 || slot.expires_s <= now_s) {
      if (victim == nullptr || victim->key[0] != 0) victim = &slot;
      if (slot.key[0] == 0) break;  // nothing beyond an empty slot can hold this key
    } else if (victim == nullptr || (victim->key[0] != 0 && victim->expires_s > now_s &&
                                     slot.expires_s < victim->expires_s)) {
      victim = &slot;
    }
  }
  victim->key = key;
  victim->name.assign(name);
  victim->expires_s = expires;
}

std::optional<std::string> LearnedAddresses::lookup(const boost::asio::ip::address& address,
                                                    Clock::time_point now) const {
  if (slots_.empty()) return std::nullopt;
  Key key;
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    key = make_key(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } else {
    const auto bytes = address.to_v6().to_bytes();
    key = make_key(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  const std::size_t start = hash(key) & mask_;
  const std::int64_t now_s = seconds(now);
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < kProbe; ++i) {
    const Slot& slot = slots_[(start + i) & mask_];
    if (slot.key[0] == 0) break;
    if (slot.key == key) {
      if (slot.expires_s <= now_s) return std::nullopt;
      return slot.name;
    }
  }
  return std::nullopt;
}

std::size_t LearnedAddresses::size() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const Slot& slot) { return slot.key[0] != 0; }));
}

}  // namespace defender::dnsproxy

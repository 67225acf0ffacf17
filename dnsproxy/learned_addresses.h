// LearnedAddresses: which name an address was resolved from, learned from the A/AAAA records
// of allowed answers, for the connect policy ("this connection goes to a name the app looked
// up"). Bounded (the oldest-learned entries go first when full) and TTL-aware (an entry lives
// for its record's TTL, at least min_ttl_s so that short TTLs still cover the connect that
// follows the lookup). Thread-safe: the DNS server learns, other threads look up.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace defender::dnsproxy {

class LearnedAddresses {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    std::size_t capacity = 65536;  // 0: nothing is learned
    std::uint32_t min_ttl_s = 30;
    std::uint32_t max_ttl_s = 86400;
  };

  explicit LearnedAddresses(Limits limits) : limits_(limits) {}

  // `address` is 4 (A) or 16 (AAAA) bytes; other sizes are ignored.
  void learn(std::string_view address, std::string_view name, std::uint32_t ttl_s, Clock::time_point now);

  // The name `address` was last learned from, while its TTL lasts.
  std::optional<std::string> lookup(const boost::asio::ip::address& address,
                                    Clock::time_point now = Clock::now()) const;

  std::size_t size() const;

 private:
  using Key = std::array<std::uint8_t, 17>;  // family byte + up to 16 address bytes
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };
  struct Entry {
    std::string name;
    Clock::time_point expires;
    std::uint64_t generation = 0;  // matches the newest order_ record of this key
  };
  static Key make_key(std::string_view address);

  Limits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<Key, Entry, KeyHash> map_;
  std::deque<std::pair<Key, std::uint64_t>> order_;  // learning order, for eviction
  std::uint64_t next_generation_ = 0;
};

}  // namespace defender::dnsproxy

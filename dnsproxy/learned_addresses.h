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
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace defender::dnsproxy {

class LearnedAddresses {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    std::size_t capacity = 65536;  // 0: nothing is learned (rounded up to a power of two)
    std::uint32_t min_ttl_s = 30;
    std::uint32_t max_ttl_s = 86400;
  };

  explicit LearnedAddresses(Limits limits);

  // `address` is 4 (A) or 16 (AAAA) bytes; other sizes are ignored.
  void learn(std::string_view address, std::string_view name, std::uint32_t ttl_s, Clock::time_point now);

  // The name `address` was last learned from, while its TTL lasts.
  std::optional<std::string> lookup(const boost::asio::ip::address& address,
                                    Clock::time_point now = Clock::now()) const;

  std::size_t size() const;  // live and expired entries still held

 private:
  // Open addressing with a short probe window: an address lives in one of kProbe slots after
  // its hash. When all of them hold other live addresses, the one expiring first gives way, so
  // the table never grows and a learn costs one or two cache lines (no allocation when the
  // name fits the string's inline buffer or the slot's string already has the room).
  static constexpr std::size_t kProbe = 8;
  using Key = std::array<std::uint8_t, 17>;  // length byte + up to 16 address bytes
  struct Slot {
    Key key{};                 // key[0] == 0: empty
    std::int64_t expires_s = 0;  // seconds on the steady clock
    std::string name;
  };
  static Key make_key(std::string_view address) noexcept;
  static std::uint64_t hash(const Key& key) noexcept;
  static std::int64_t seconds(Clock::time_point t) noexcept;

  Limits limits_;
  std::size_t mask_ = 0;
  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
};

}  // namespace defender::dnsproxy

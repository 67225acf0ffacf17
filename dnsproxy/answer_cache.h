// AnswerCache: upstream answers kept for their TTL (RFC 1035), negative answers for the SOA's
// negative TTL (RFC 2308), keyed on name (case-insensitive), type, class, EDNS presence and the DO bit.
// Bounded: least recently used entries go first. Answers that are truncated, not NOERROR or
// NXDOMAIN, or carry no usable TTL are not kept. Owned and used by one thread (the server's).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "dnsproxy/packet.h"

namespace defender::dnsproxy {

class AnswerCache {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    std::size_t entries = 0;                // 0: the cache is off
    std::uint32_t max_ttl_s = 86400;        // TTLs are capped to this
    std::uint32_t max_negative_ttl_s = 3600;
    std::size_t max_answer_bytes = 4096;    // bigger answers are not kept
  };

  explicit AnswerCache(Limits limits) : limits_(limits) {}

  bool enabled() const noexcept { return limits_.entries != 0; }
  std::size_t size() const noexcept { return map_.size(); }

  // Copies a fresh answer for `query` into `out` with the query's id and TTLs lowered by the
  // time spent in the cache; returns its length, or 0 on a miss (expired entries are dropped).
  // `packet` is the query as received.
  std::size_t lookup(const Query& query, std::span<const std::uint8_t> packet, Clock::time_point now,
                     std::vector<std::uint8_t>& out);

  // Keeps `answer` (to `query`) when it is cacheable.
  void insert(const Query& query, std::span<const std::uint8_t> answer, Clock::time_point now);

  // The TTL an answer may be cached for, nullopt-like 0 when it must not be.
  std::uint32_t cache_ttl(std::span<const std::uint8_t> answer) const noexcept;

 private:
  struct Entry {
    std::string key;
    std::vector<std::uint8_t> answer;
    Clock::time_point stored;
    Clock::time_point expires;
  };
  static std::string make_key(const Query& query);

  Limits limits_;
  std::list<Entry> lru_;  // front: most recently used
  std::unordered_map<std::string, std::list<Entry>::iterator> map_;
};

}  // namespace defender::dnsproxy

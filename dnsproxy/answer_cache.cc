#include "dnsproxy/answer_cache.h"

#include <algorithm>

namespace defender::dnsproxy {

std::string AnswerCache::make_key(const Query& query) {
  const auto wire = query.question.name.wire_view();
  std::string key(wire.begin(), wire.end());
  key.push_back(static_cast<char>(query.question.qtype >> 8));
  key.push_back(static_cast<char>(query.question.qtype));
  key.push_back(static_cast<char>(query.question.qclass >> 8));
  key.push_back(static_cast<char>(query.question.qclass));
  key.push_back(static_cast<char>((query.edns.present ? 2 : 0) | (query.edns.do_bit ? 1 : 0)));
  return key;
}

std::uint32_t AnswerCache::cache_ttl(std::span<const std::uint8_t> answer) const noexcept {
  Header header;
  if (!read_header(answer, header) || header.truncated() || header.qdcount != 1) return 0;
  const Rcode rcode = header.rcode();
  if (rcode != Rcode::noerror && rcode != Rcode::nxdomain) return 0;
  const bool negative = rcode == Rcode::nxdomain || header.ancount == 0;
  std::uint32_t ttl = negative ? limits_.max_negative_ttl_s : limits_.max_ttl_s;
  bool seen_answer = false;
  bool seen_soa = false;
  const bool ok = walk_records(answer, [&](const Record& record) {
    if (record.type == rr::opt) return true;
    if (negative) {
      // RFC 2308 5: the negative TTL is min(SOA TTL, SOA MINIMUM).
      if (record.section == Record::Section::authority && record.type == rr::soa &&
          record.rdlength >= 22) {
        const std::uint32_t minimum =
            load32(answer.data() + record.rdata_offset + record.rdlength - 4);
        ttl = std::min({ttl, record.ttl, minimum});
        seen_soa = true;
      }
      return true;
    }
    if (record.section == Record::Section::answer) seen_answer = true;
    ttl = std::min(ttl, record.ttl);
    return true;
  });
  if (!ok) return 0;
  if (negative && !seen_soa) return 0;  // RFC 2308 5: no SOA, no negative caching
  if (!negative && !seen_answer) return 0;
  return ttl;
}

void AnswerCache::insert(const Query& query, std::span<const std::uint8_t> answer,
                         Clock::time_point now) {
  if (!enabled() || answer.size() > limits_.max_answer_bytes) return;
  const std::uint32_t ttl = cache_ttl(answer);
  if (ttl == 0) return;
  std::string key = make_key(query);
  if (auto it = map_.find(key); it != map_.end()) {
    lru_.erase(it->second);
    map_.erase(it);
  }
  while (map_.size() >= limits_.entries && !lru_.empty()) {
    map_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(Entry{key, std::vector<std::uint8_t>(answer.begin(), answer.end()), now,
                        now + std::chrono::seconds(ttl)});
  map_.emplace(std::move(key), lru_.begin());
}

std::size_t AnswerCache::lookup(const Query& query, std::span<const std::uint8_t> packet,
                                Clock::time_point now, std::vector<std::uint8_t>& out) {
  if (!enabled()) return 0;
  const auto it = map_.find(make_key(query));
  if (it == map_.end()) return 0;
  Entry& entry = *it->second;
  if (entry.expires <= now) {
    lru_.erase(it->second);
    map_.erase(it);
    return 0;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  out.assign(entry.answer.begin(), entry.answer.end());
  store16(out.data(), query.header.id);
  // The question as this client wrote it (its case: some stubs check it, 0x20).
  const std::size_t question_len = query.question.end - query.question.offset;
  if (query.question.end <= packet.size() && kHeaderSize + question_len <= out.size()) {
    std::copy_n(packet.data() + query.question.offset, question_len, out.data() + kHeaderSize);
  }
  const auto age = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now - entry.stored).count());
  if (age > 0) {
    const std::span<std::uint8_t> stored(out);
    walk_records(stored, [&](const Record& record) {
      if (record.type != rr::opt) {
        store32(stored.data() + record.ttl_offset, record.ttl > age ? record.ttl - age : 0);
      }
      return true;
    });
  }
  return out.size();
}

}  // namespace defender::dnsproxy

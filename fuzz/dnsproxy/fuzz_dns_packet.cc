// libFuzzer target: every byte string is tried as a query (parse, then the answers we would
// build from it) and as an upstream answer (record walk, names at every offset, CNAME
// targets, the cache's TTL logic and its TTL rewriting). Nothing may crash, hang, or read or
// write out of bounds (built with ASan/UBSan by `make fuzz`).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "dnsproxy/answer_cache.h"
#include "dnsproxy/packet.h"

using namespace defender::dnsproxy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> packet(data, size);
  std::vector<std::uint8_t> out(512);

  Query query;
  if (parse_query(packet, query) == ParseStatus::ok) {
    for (const auto kind : {defender::policy::BlockedAnswer::nxdomain, defender::policy::BlockedAnswer::refused,
                            defender::policy::BlockedAnswer::nodata, defender::policy::BlockedAnswer::null_ip}) {
      const std::size_t n = build_blocked(query, packet, kind, out);
      if (n != 0) {
        Query reparsed;  // our own answers must parse as messages
        Header header;
        if (!read_header(std::span<const std::uint8_t>(out.data(), n), header)) __builtin_trap();
        (void)reparsed;
      }
    }
    build_error(query, packet, Rcode::servfail, out);
    (void)printable_name(query.question.name);
    (void)same_question(packet, query.question);
  } else {
    Header header;
    if (read_header(packet, header)) build_header_error(header, Rcode::formerr, out);
  }

  // As an answer.
  Name name;
  for (std::size_t offset = 0; offset < size && offset < 512; ++offset) {
    read_name(packet, offset, name);
    skip_name(packet, offset);
  }
  walk_records(packet, [&](const Record& record) {
    if (record.type == rr::cname || record.type == rr::dname) read_name(packet, record.rdata_offset, name);
    return true;
  });
  AnswerCache cache({.entries = 4, .max_ttl_s = 86400, .max_negative_ttl_s = 3600, .max_answer_bytes = 4096});
  (void)cache.cache_ttl(packet);
  if (parse_query(packet, query) == ParseStatus::ok) {
    const auto now = AnswerCache::Clock::now();
    cache.insert(query, packet, now);
    std::vector<std::uint8_t> copy;
    cache.lookup(query, packet, now + std::chrono::seconds(5), copy);
  }
  return 0;
}

#include "dnsproxy/answer_cache.h"

#include <gtest/gtest.h>

#include "tests/dnsproxy/dns_client.h"
#include "tests/dnsproxy/fake_upstream.h"

namespace defender::dnsproxy {
namespace {

using testing::decode_reply;
using testing::FakeUpstream;
using testing::make_query;

struct Fixture {
  FakeUpstream upstream;  // used only to build answers
  Query query;
  std::vector<std::uint8_t> packet;
  std::vector<std::uint8_t> answer;
  Fixture(const std::string& name, std::uint16_t type, testing::QueryOptions options = {}) {
    packet = make_query(name, type, options);
    EXPECT_EQ(parse_query(packet, query), ParseStatus::ok);
    answer = upstream.answer(packet, false);
  }
};

TEST(AnswerCache, HitsAgeTtlsAndExpire) {
  AnswerCache cache({.entries = 10});
  Fixture f("www.example", rr::a);
  f.upstream.add("www.example", {rr::a, "192.0.2.1", 10});
  f.answer = f.upstream.answer(f.packet, false);
  const auto t0 = AnswerCache::Clock::now();
  cache.insert(f.query, f.answer, t0);
  std::vector<std::uint8_t> out;
  // Another id and another case: still a hit, with this query's id and case.
  const auto again = make_query("WWW.example", rr::a, {.id = 999});
  Query q2;
  ASSERT_EQ(parse_query(again, q2), ParseStatus::ok);
  ASSERT_GT(cache.lookup(q2, again, t0 + std::chrono::seconds(4), out), 0u);
  auto reply = decode_reply(out);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->id, 999);
  EXPECT_EQ(reply->qname, "WWW.example");
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"192.0.2.1"});
  std::uint32_t ttl = 0;
  walk_records(out, [&](const Record& r) { ttl = r.ttl; return true; });
  EXPECT_EQ(ttl, 6u);
  EXPECT_EQ(cache.lookup(q2, again, t0 + std::chrono::seconds(10), out), 0u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(AnswerCache, KeysOnTypeClassAndDoBit) {
  AnswerCache cache({.entries = 10});
  Fixture f("www.example", rr::a);
  f.upstream.add("www.example", {rr::a, "192.0.2.1", 60});
  f.answer = f.upstream.answer(f.packet, false);
  const auto now = AnswerCache::Clock::now();
  cache.insert(f.query, f.answer, now);
  std::vector<std::uint8_t> out;
  for (const auto& other : {make_query("www.example", rr::aaaa), make_query("www.example", rr::a, {.qclass = 3}),
                            make_query("www.example", rr::a, {.edns = true, .do_bit = true})}) {
    Query q;
    ASSERT_EQ(parse_query(other, q), ParseStatus::ok);
    EXPECT_EQ(cache.lookup(q, other, now, out), 0u);
  }
}

TEST(AnswerCache, NegativeAnswersNeedAnSoa) {
  AnswerCache cache({.entries = 10});
  Fixture f("nx.example", rr::a);  // NXDOMAIN without SOA: not cached (RFC 2308 5)
  EXPECT_EQ(cache.cache_ttl(f.answer), 0u);
  // Add an SOA to the authority section: TTL 100, MINIMUM 30 -> 30 s.
  std::vector<std::uint8_t> answer = f.answer;
  const std::uint8_t soa[] = {0, 0, 6, 0, 1, 0, 0, 0, 100, 0, 22, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,
                              0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 30};
  answer.insert(answer.end(), soa, soa + sizeof soa);
  store16(answer.data() + 8, 1);
  EXPECT_EQ(cache.cache_ttl(answer), 30u);
  const auto now = AnswerCache::Clock::now();
  cache.insert(f.query, answer, now);
  std::vector<std::uint8_t> out;
  EXPECT_GT(cache.lookup(f.query, f.packet, now + std::chrono::seconds(29), out), 0u);
  EXPECT_EQ(cache.lookup(f.query, f.packet, now + std::chrono::seconds(31), out), 0u);
}

TEST(AnswerCache, IsBoundedAndSkipsTruncatedAndServfail) {
  AnswerCache cache({.entries = 3});
  FakeUpstream upstream;
  const auto now = AnswerCache::Clock::now();
  for (int i = 0; i < 10; ++i) {
    const std::string name = "n" + std::to_string(i) + ".example";
    upstream.add(name, {rr::a, "192.0.2.1", 60});
    const auto packet = make_query(name, rr::a);
    Query q;
    ASSERT_EQ(parse_query(packet, q), ParseStatus::ok);
    cache.insert(q, upstream.answer(packet, false), now);
  }
  EXPECT_EQ(cache.size(), 3u);
  Fixture f("t.example", rr::a);
  f.upstream.add("t.example", {rr::a, "192.0.2.1", 60});
  EXPECT_EQ(cache.cache_ttl(f.upstream.answer(f.packet, true)), 0u);
  auto servfail = f.upstream.answer(f.packet, false);
  servfail[3] = static_cast<std::uint8_t>((servfail[3] & 0xF0) | 2);
  EXPECT_EQ(cache.cache_ttl(servfail), 0u);
}

}  // namespace
}  // namespace defender::dnsproxy

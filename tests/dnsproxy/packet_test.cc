#include "dnsproxy/packet.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/dnsproxy/dns_client.h"

namespace defender::dnsproxy {
namespace {

using testing::decode_reply;
using testing::make_query;
using testing::QueryOptions;

TEST(Packet, ParsesAQueryWithItsQuestionAndEdns) {
  const auto packet = make_query("WWW.Example.COM", rr::aaaa, {.id = 77, .edns = true, .do_bit = true});
  Query query;
  ASSERT_EQ(parse_query(packet, query), ParseStatus::ok);
  EXPECT_EQ(query.header.id, 77);
  EXPECT_EQ(query.question.name.text_view(), "WWW.Example.COM");
  EXPECT_EQ(query.question.qtype, rr::aaaa);
  EXPECT_EQ(query.question.qclass, kClassIn);
  EXPECT_TRUE(query.edns.present);
  EXPECT_TRUE(query.edns.do_bit);
  EXPECT_EQ(query.edns.udp_size, 1232);
  EXPECT_EQ(query.udp_limit(), 1232u);
  Name lower;
  read_name(make_query("www.example.com", 1), kHeaderSize, lower);
  EXPECT_TRUE(query.question.name == lower);  // case-insensitive
}

TEST(Packet, RootName) {
  const auto packet = make_query("", rr::ns);
  Query query;
  ASSERT_EQ(parse_query(packet, query), ParseStatus::ok);
  EXPECT_EQ(query.question.name.text_view(), "");
  EXPECT_EQ(printable_name(query.question.name), ".");
}

TEST(Packet, StatusesOfBadQueries) {
  Query query;
  std::vector<std::uint8_t> packet = {1, 2, 3};
  EXPECT_EQ(parse_query(packet, query), ParseStatus::too_short);
  packet = make_query("a.example", 1);
  packet[2] |= 0x80;  // QR
  EXPECT_EQ(parse_query(packet, query), ParseStatus::not_query);
  packet = make_query("a.example", 1);
  packet[2] |= 0x10;  // opcode 2 (STATUS)
  EXPECT_EQ(parse_query(packet, query), ParseStatus::bad_opcode);
  packet = make_query("a.example", 1);
  packet[5] = 2;  // qdcount 2
  EXPECT_EQ(parse_query(packet, query), ParseStatus::malformed);
  packet = make_query("a.example", 1);
  packet.resize(packet.size() - 2);  // cut class
  EXPECT_EQ(parse_query(packet, query), ParseStatus::malformed);
  packet = make_query("a.example", 1);
  packet[12] = 60;  // label runs past the end
  EXPECT_EQ(parse_query(packet, query), ParseStatus::malformed);
  packet = make_query("a.example", 1);
  packet[11] = 1;  // an additional record that is not there
  EXPECT_EQ(parse_query(packet, query), ParseStatus::malformed);
  // A compression pointer in the question (to itself, and into the header).
  packet = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  EXPECT_EQ(parse_query(packet, query), ParseStatus::malformed);
  packet = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 2, 0, 1, 0, 1};
  EXPECT_EQ(parse_query(packet, query), ParseStatus::malformed);
  // Label type 0x40 (extended labels) is refused.
  packet = {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1};
  EXPECT_EQ(parse_query(packet, query), ParseStatus::malformed);
}

TEST(Packet, NamesLongerThan255BytesAreRefused) {
  std::string name;
  for (int i = 0; i < 4; ++i) name += std::string(63, 'a') + ".";
  name += "b";  // 4*64 + 2 + 1 = 259 bytes on the wire
  Query query;
  EXPECT_EQ(parse_query(make_query(name, 1), query), ParseStatus::malformed);
  name = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
         std::string(61, 'd');  // 255 bytes on the wire: the longest legal name
  ASSERT_EQ(parse_query(make_query(name, 1), query), ParseStatus::ok);
  EXPECT_EQ(query.question.name.wire_len, 255);
  EXPECT_EQ(query.question.name.text_len, 253);
}

TEST(Packet, CompressionLoopsAndForwardPointersAreRefused) {
  // Answer-like message: header, question "a", then records whose names are pointers.
  std::vector<std::uint8_t> m = {0, 1, 0x81, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
  Name name;
  // pointer to itself
  std::vector<std::uint8_t> self = m;
  self.insert(self.end(), {0xC0, 19});
  EXPECT_EQ(read_name(self, 19, name), 0u);
  // forward pointer
  std::vector<std::uint8_t> forward = m;
  forward.insert(forward.end(), {0xC0, 22, 0, 1, 'b', 0});
  EXPECT_EQ(read_name(forward, 19, name), 0u);
  // two pointers in a loop: 19 -> 21 -> 19
  std::vector<std::uint8_t> loop = m;
  loop.insert(loop.end(), {0xC0, 21, 0xC0, 19});
  EXPECT_EQ(read_name(loop, 21, name), 0u);
  // a good backward pointer
  std::vector<std::uint8_t> good = m;
  good.insert(good.end(), {1, 'x', 0xC0, 12});
  ASSERT_EQ(read_name(good, 19, name), 23u);
  EXPECT_EQ(name.text_view(), "x.a");
}

TEST(Packet, BlockedAnswersEchoTheQuestion) {
  const auto packet = make_query("Bad.Example", rr::a, {.id = 4242, .edns = true, .do_bit = true});
  Query query;
  ASSERT_EQ(parse_query(packet, query), ParseStatus::ok);
  std::vector<std::uint8_t> out(512);
  struct Case {
    policy::BlockedAnswer kind;
    int rcode;
    std::vector<std::string> addresses;
  };
  for (const Case& c : {Case{policy::BlockedAnswer::nxdomain, 3, {}}, Case{policy::BlockedAnswer::refused, 5, {}},
                        Case{policy::BlockedAnswer::nodata, 0, {}},
                        Case{policy::BlockedAnswer::null_ip, 0, {"0.0.0.0"}}}) {
    const std::size_t n = build_blocked(query, packet, c.kind, out);
    ASSERT_GT(n, 0u);
    const auto reply = decode_reply({out.begin(), out.begin() + static_cast<long>(n)});
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->id, 4242);
    EXPECT_EQ(reply->rcode, c.rcode);
    EXPECT_EQ(reply->qname, "Bad.Example");
    EXPECT_TRUE(reply->rd());
    EXPECT_TRUE(reply->ra());
    EXPECT_TRUE(reply->edns);
    EXPECT_TRUE(reply->do_bit);
    EXPECT_EQ(reply->addresses, c.addresses);
  }
  const auto aaaa = make_query("bad.example", rr::aaaa, {.rd = false});
  ASSERT_EQ(parse_query(aaaa, query), ParseStatus::ok);
  std::size_t n = build_blocked(query, aaaa, policy::BlockedAnswer::null_ip, out);
  auto reply = decode_reply({out.begin(), out.begin() + static_cast<long>(n)});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"::"});
  EXPECT_FALSE(reply->rd());
  EXPECT_FALSE(reply->edns);
  const auto mx = make_query("bad.example", rr::mx);
  ASSERT_EQ(parse_query(mx, query), ParseStatus::ok);
  n = build_blocked(query, mx, policy::BlockedAnswer::null_ip, out);
  reply = decode_reply({out.begin(), out.begin() + static_cast<long>(n)});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->rcode, 0);
  EXPECT_EQ(reply->ancount, 0);  // NODATA for other types
}

TEST(Packet, SameQuestionIgnoresCaseOnly) {
  const auto packet = make_query("a.example", rr::a);
  Query query;
  ASSERT_EQ(parse_query(packet, query), ParseStatus::ok);
  EXPECT_TRUE(same_question(make_query("A.EXAMPLE", rr::a), query.question));
  EXPECT_FALSE(same_question(make_query("b.example", rr::a), query.question));
  EXPECT_FALSE(same_question(make_query("a.example", rr::aaaa), query.question));
  EXPECT_FALSE(same_question(make_query("a.example", rr::a, {.qclass = 3}), query.question));
}

// Random and mutated packets: never a crash, a hang or a read out of bounds (run under ASan
// by `make asan`); the fuzz target does the same at length.
TEST(Packet, RandomInputIsHandled) {
  std::mt19937 rng(1234);
  const auto seed = make_query("www.example.com", rr::a, {.edns = true});
  std::vector<std::uint8_t> out(1024);
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> packet = seed;
    if (i % 2 == 0) {
      packet.resize(rng() % 80);
      for (auto& byte : packet) byte = static_cast<std::uint8_t>(rng());
    } else {
      for (int k = 0; k < 4; ++k) packet[rng() % packet.size()] = static_cast<std::uint8_t>(rng());
    }
    Query query;
    if (parse_query(packet, query) == ParseStatus::ok) {
      build_blocked(query, packet, policy::BlockedAnswer::null_ip, out);
      build_error(query, packet, Rcode::servfail, out);
    }
    walk_records(packet, [](const Record&) { return true; });
  }
  SUCCEED();
}

}  // namespace
}  // namespace defender::dnsproxy

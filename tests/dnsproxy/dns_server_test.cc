// DnsServer in-process, against the fake upstream, over real loopback sockets.
#include "dnsproxy/dns_server.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <thread>

#include "dnsproxy/packet.h"
#include "tests/dnsproxy/dns_client.h"
#include "tests/dnsproxy/fake_upstream.h"
#include "tests/dnsproxy/server_harness.h"

namespace defender::dnsproxy {
namespace {

using namespace std::chrono_literals;
using testing::FakeUpstream;
using testing::make_policy;
using testing::make_query;
using testing::PolicySpec;
using testing::ServerHarness;
using testing::TcpClient;
using testing::tcp_exchange;
using testing::udp_exchange;

using Strings = std::vector<std::string>;

class DnsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream.add("www.example", {rr::a, "192.0.2.1", 300});
    upstream.add("www.example", {rr::aaaa, "2001:db8::1", 300});
    upstream.add("alias.example", {rr::cname, "www.example", 300});
    upstream.add("bad-alias.example", {rr::cname, "hop.example", 300});
    upstream.add("hop.example", {rr::cname, "tracker.evil.example", 300});
    upstream.add("tracker.evil.example", {rr::a, "203.0.113.9", 300});
    upstream.add("sub.blocked.example", {rr::a, "192.0.2.7", 300});
    upstream.add("blocked.example", {rr::a, "192.0.2.8", 300});
  }
  FakeUpstream upstream;
};

TEST_F(DnsServerTest, ForwardsOverUdpAndTcp) {
  ServerHarness harness(make_policy({}), {upstream.port()});
  ASSERT_FALSE(harness.start_error());
  auto reply = udp_exchange(harness.port(), make_query("www.example", rr::a, {.id = 4711}));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->id, 4711);  // the client's id comes back, whatever went upstream
  EXPECT_EQ(reply->rcode, 0);
  EXPECT_EQ(reply->addresses, Strings{"192.0.2.1"});
  reply = tcp_exchange(harness.port(), make_query("www.example", rr::aaaa, {.id = 9}));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->id, 9);
  EXPECT_EQ(reply->addresses, Strings{"2001:db8::1"});
  reply = udp_exchange(harness.port(), make_query("missing.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->rcode, 3);
  EXPECT_GE(upstream.tcp_queries(), 1);  // TCP clients go over TCP upstream
  EXPECT_EQ(harness.server().stats().forwarded.load(), 3u);
}

TEST_F(DnsServerTest, EachBlockedAnswerKind) {
  struct Case {
    policy::BlockedAnswer kind;
    std::uint16_t qtype;
    int rcode;
    Strings addresses;
  };
  for (const Case& c : {Case{policy::BlockedAnswer::nxdomain, rr::a, 3, {}},
                        Case{policy::BlockedAnswer::refused, rr::a, 5, {}},
                        Case{policy::BlockedAnswer::nodata, rr::a, 0, {}},
                        Case{policy::BlockedAnswer::null_ip, rr::a, 0, {"0.0.0.0"}},
                        Case{policy::BlockedAnswer::null_ip, rr::aaaa, 0, {"::"}},
                        Case{policy::BlockedAnswer::null_ip, rr::mx, 0, {}}}) {
    SCOPED_TRACE(std::string(policy::to_string(c.kind)) + " " + type_name(c.qtype));
    ServerHarness harness(make_policy({.deny = {"blocked.example"}, .answer = c.kind}), {upstream.port()});
    for (const bool tcp : {false, true}) {
      const auto query = make_query("blocked.example", c.qtype, {.id = 321, .edns = true, .do_bit = true});
      const auto reply = tcp ? tcp_exchange(harness.port(), query) : udp_exchange(harness.port(), query);
      ASSERT_TRUE(reply);
      EXPECT_EQ(reply->id, 321);
      EXPECT_EQ(reply->rcode, c.rcode);
      EXPECT_EQ(reply->addresses, c.addresses);
      EXPECT_EQ(reply->qname, "blocked.example");
      EXPECT_TRUE(reply->rd());
      EXPECT_TRUE(reply->ra());
      EXPECT_TRUE(reply->edns);
      EXPECT_TRUE(reply->do_bit);
    }
    // Without EDNS and RD, neither comes back.
    const auto reply = udp_exchange(harness.port(), make_query("blocked.example", c.qtype, {.rd = false}));
    ASSERT_TRUE(reply);
    EXPECT_FALSE(reply->edns);
    EXPECT_FALSE(reply->rd());
  }
  EXPECT_EQ(upstream.queries_for("blocked.example"), 0);  // denied names never go upstream
}

TEST_F(DnsServerTest, RuleKindsCaseAndTrailingDot) {
  ServerHarness harness(
      make_policy({.deny = {"blocked.example", "=exact.example", "*.kids.example"}, .allow = {"ok.blocked.example"}}),
      {upstream.port()});
  struct Case {
    std::string name;
    int rcode;
  };
  for (const Case& c : {Case{"blocked.example", 3}, Case{"sub.blocked.example", 3}, Case{"SUB.Blocked.EXAMPLE", 3},
                        Case{"ok.blocked.example", 3 /* allowed, but the fake upstream has no such name */},
                        Case{"exact.example", 3}, Case{"www.exact.example", 3}, Case{"kids.example", 3},
                        Case{"a.kids.example", 3}, Case{"www.example", 0}}) {
    SCOPED_TRACE(c.name);
    const auto reply = udp_exchange(harness.port(), make_query(c.name, rr::a));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->rcode, c.rcode);
  }
  // Which of them reached the upstream tells the decisions apart.
  EXPECT_EQ(upstream.queries_for("blocked.example"), 0);
  EXPECT_EQ(upstream.queries_for("sub.blocked.example"), 0);
  EXPECT_EQ(upstream.queries_for("ok.blocked.example"), 1);  // allow, longer: wins
  EXPECT_EQ(upstream.queries_for("exact.example"), 0);
  EXPECT_EQ(upstream.queries_for("www.exact.example"), 1);   // =name: the name alone
  EXPECT_EQ(upstream.queries_for("kids.example"), 1);        // *.name: not the name itself
  EXPECT_EQ(upstream.queries_for("a.kids.example"), 0);
  const auto events = harness.sink().wait_for(5);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].type, "dns");
  EXPECT_EQ(events[0].action, "prevent");
  EXPECT_EQ(events[0].rule, "network.deny[0]");  // as `policy explain` names it
  EXPECT_EQ(testing::field(events[0], "qname"), "blocked.example");
  EXPECT_EQ(testing::field(events[0], "qtype"), "A");
  EXPECT_EQ(testing::field(events[0], "client"), "127.0.0.1");
}

TEST_F(DnsServerTest, AlertModeForwardsAndRecords) {
  ServerHarness harness(make_policy({.deny = {"blocked.example"}, .action = policy::Mode::alert}), {upstream.port()});
  const auto reply = udp_exchange(harness.port(), make_query("blocked.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, Strings{"192.0.2.8"});
  EXPECT_EQ(upstream.queries_for("blocked.example"), 1);
  const auto events = harness.sink().wait_for(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "alert");
}

TEST_F(DnsServerTest, DisabledModeFiltersNothing) {
  ServerHarness harness(make_policy({.deny = {"blocked.example"}, .action = policy::Mode::disable}), {upstream.port()});
  const auto reply = udp_exchange(harness.port(), make_query("blocked.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, Strings{"192.0.2.8"});
  EXPECT_TRUE(harness.sink().events().empty());
}

TEST_F(DnsServerTest, TwoHundredPipelinedQueriesOnOneTcpConnection) {
  ServerHarness harness(make_policy({.deny = {"blocked.example"}}), {upstream.port()});
  TcpClient client(harness.port());
  ASSERT_TRUE(client.connected());
  std::vector<std::uint8_t> batch;
  for (int i = 0; i < 200; ++i) {
    const auto query = make_query(i % 10 == 0 ? "blocked.example" : "www.example", rr::a,
                                  {.id = static_cast<std::uint16_t>(1000 + i)});
    batch.push_back(static_cast<std::uint8_t>(query.size() >> 8));
    batch.push_back(static_cast<std::uint8_t>(query.size()));
    batch.insert(batch.end(), query.begin(), query.end());
  }
  ASSERT_TRUE(client.send_raw(batch));  // all at once, before reading any answer
  std::set<int> ids;
  for (int i = 0; i < 200; ++i) {
    const auto reply = client.receive(10s);
    ASSERT_TRUE(reply) << "answer " << i;
    const int index = reply->id - 1000;
    EXPECT_EQ(reply->rcode, index % 10 == 0 ? 3 : 0);
    ids.insert(reply->id);
  }
  EXPECT_EQ(ids.size(), 200u);  // every query answered once, in whatever order
}

TEST_F(DnsServerTest, TcpFramesSplitAnyhowAndIdleClose) {
  ServerHarness harness(make_policy({}), {upstream.port()});
  TcpClient client(harness.port());
  ASSERT_TRUE(client.connected());
  // Two queries sent a byte at a time: frames cut anywhere still make whole queries.
  std::vector<std::uint8_t> bytes;
  for (const std::uint16_t id : {1, 2}) {
    const auto query = make_query("www.example", rr::a, {.id = id});
    bytes.push_back(static_cast<std::uint8_t>(query.size() >> 8));
    bytes.push_back(static_cast<std::uint8_t>(query.size()));
    bytes.insert(bytes.end(), query.begin(), query.end());
  }
  for (const std::uint8_t byte : bytes) {
    ASSERT_TRUE(client.send_raw({byte}));
    std::this_thread::sleep_for(1ms);
  }
  for (int i = 0; i < 2; ++i) {
    const auto reply = client.receive(5s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->addresses, Strings{"192.0.2.1"});
  }
  // Then nothing: the server closes the idle connection (tcp_idle_ms is 1000 here).
  EXPECT_TRUE(client.closed_by_peer(10s));
}

TEST_F(DnsServerTest, TruncatedUdpAnswerIsRetriedOverTcp) {
  upstream.set_mode(FakeUpstream::Mode::truncate_udp);
  ServerHarness harness(make_policy({}), {upstream.port()});
  const auto reply = udp_exchange(harness.port(), make_query("www.example", rr::a, {.edns = true}));
  ASSERT_TRUE(reply);
  EXPECT_FALSE(reply->tc());
  EXPECT_EQ(reply->addresses, Strings{"192.0.2.1"});
  EXPECT_EQ(upstream.tcp_queries(), 1);
  EXPECT_EQ(harness.server().stats().truncated_retries.load(), 1u);
}

TEST_F(DnsServerTest, NeverAnsweringUpstreamGivesServfail) {
  upstream.set_mode(FakeUpstream::Mode::never_answer);
  ServerHarness harness(make_policy({.timeout_ms = 300}), {upstream.port()});
  for (const bool tcp : {false, true}) {
    const auto query = make_query("www.example", rr::a, {.id = 55});
    const auto reply = tcp ? tcp_exchange(harness.port(), query) : udp_exchange(harness.port(), query);
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->id, 55);
    EXPECT_EQ(reply->rcode, 2);
  }
  EXPECT_EQ(harness.server().stats().servfail.load(), 2u);
}

TEST_F(DnsServerTest, NextUpstreamAfterATimeout) {
  FakeUpstream silent;
  silent.set_mode(FakeUpstream::Mode::never_answer);
  ServerHarness harness(make_policy({.timeout_ms = 1000}), {silent.port(), upstream.port()});
  for (int i = 0; i < 5; ++i) {
    const auto reply = udp_exchange(harness.port(), make_query("www.example", rr::a));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->addresses, Strings{"192.0.2.1"});
  }
  // After three timeouts the silent one is marked down: later queries go straight on.
  EXPECT_LE(silent.total_queries(), 4);
  EXPECT_GE(harness.server().stats().upstream_timeouts.load(), 3u);
  // Once it answers again, a probe after upstream_retry_ms (200 ms here) brings it back.
  silent.add("www.example", {rr::a, "192.0.2.99", 300});
  silent.set_mode(FakeUpstream::Mode::answer);
  const int before = silent.total_queries();
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {  // bounded: about 5 s
    std::this_thread::sleep_for(50ms);
    const auto reply = udp_exchange(harness.port(), make_query("www.example", rr::a));
    back = reply && reply->addresses == Strings{"192.0.2.99"};
  }
  EXPECT_TRUE(back);
  EXPECT_GT(silent.total_queries(), before);
}

TEST_F(DnsServerTest, TcpClientsShareOneUpstreamConnection) {
  ServerHarness harness(make_policy({}), {upstream.port()});
  for (int i = 0; i < 10; ++i) {
    const auto reply = tcp_exchange(harness.port(), make_query("www.example", rr::a));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->addresses, Strings{"192.0.2.1"});
  }
  EXPECT_EQ(upstream.tcp_queries(), 10);
  EXPECT_EQ(upstream.tcp_connections(), 1);
}

TEST_F(DnsServerTest, AnswerWithAWrongIdIsIgnored) {
  upstream.set_mode(FakeUpstream::Mode::wrong_id_first);
  ServerHarness harness(make_policy({}), {upstream.port()});
  for (int i = 0; i < 20; ++i) {
    const auto reply = udp_exchange(harness.port(), make_query("www.example", rr::a));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->addresses, Strings{"192.0.2.1"});  // never the spoofed 6.6.6.6
  }
  EXPECT_GE(harness.server().stats().mismatched_answers.load(), 19u);  // one id in 65536 may collide
}

TEST_F(DnsServerTest, MalformedPackets) {
  ServerHarness harness(make_policy({}), {upstream.port()});
  // Shorter than a header: dropped.
  EXPECT_FALSE(udp_exchange(harness.port(), {1, 2, 3}, 300ms));
  // A response sent to us: dropped (no reflection).
  auto packet = make_query("www.example", rr::a);
  packet[2] |= 0x80;
  EXPECT_FALSE(udp_exchange(harness.port(), packet, 300ms));
  // A broken question: FORMERR with the id.
  packet = make_query("www.example", rr::a, {.id = 77});
  packet[12] = 63;
  auto reply = udp_exchange(harness.port(), packet);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->id, 77);
  EXPECT_EQ(reply->rcode, 1);
  // Another opcode: NOTIMP.
  packet = make_query("www.example", rr::a);
  packet[2] |= 0x20;  // opcode 4 (NOTIFY)
  reply = udp_exchange(harness.port(), packet);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->rcode, 4);
  // A burst of random packets, then the server still answers.
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> junk(rng() % 64);
    for (auto& byte : junk) byte = static_cast<std::uint8_t>(rng());
    if (junk.size() > 2) junk[2] &= 0x7F;  // queries, mostly
    testing::udp_exchange(harness.port(), junk, 0ms);
  }
  // Over TCP: a frame too short for a header closes the connection.
  TcpClient client(harness.port());
  ASSERT_TRUE(client.send_raw({0, 3, 1, 2, 3}));
  EXPECT_TRUE(client.closed_by_peer(5s));
  reply = udp_exchange(harness.port(), make_query("www.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, Strings{"192.0.2.1"});
  EXPECT_GT(harness.server().stats().malformed.load(), 2u);
}

TEST_F(DnsServerTest, CnameToADeniedNameIsBlocked) {
  ServerHarness harness(make_policy({.deny = {"evil.example"}}), {upstream.port()});
  auto reply = udp_exchange(harness.port(), make_query("bad-alias.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->rcode, 3);
  EXPECT_TRUE(reply->addresses.empty());
  const auto events = harness.sink().wait_for(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(testing::field(events[0], "qname"), "bad-alias.example");
  EXPECT_NE(events[0].message.find("hop.example -> tracker.evil.example"), std::string::npos)
      << events[0].message;
  // An allowed chain passes, and its addresses are learned under the name asked for.
  reply = udp_exchange(harness.port(), make_query("alias.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->cnames, Strings{"www.example"});
  EXPECT_EQ(reply->addresses, Strings{"192.0.2.1"});
  EXPECT_EQ(harness.server().learned().lookup(boost::asio::ip::make_address("192.0.2.1")), "alias.example");
  EXPECT_EQ(harness.server().learned().lookup(boost::asio::ip::make_address("203.0.113.9")), std::nullopt);
}

TEST_F(DnsServerTest, CacheAnswersRepeatedQueries) {
  ServerHarness harness(make_policy({.cache_entries = 100}), {upstream.port()});
  for (int i = 0; i < 5; ++i) {
    const auto reply = udp_exchange(harness.port(), make_query("WWW.example", rr::a, {.id = static_cast<std::uint16_t>(i)}));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->id, i);
    EXPECT_EQ(reply->addresses, Strings{"192.0.2.1"});
  }
  EXPECT_EQ(upstream.queries_for("www.example"), 1);
  EXPECT_EQ(harness.server().stats().cache_hits.load(), 4u);
}

TEST_F(DnsServerTest, AFloodOfOneNameYieldsOneEvent) {
  ServerHarness harness(make_policy({.deny = {"blocked.example"}}), {upstream.port()});
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(udp_exchange(harness.port(), make_query("blocked.example", rr::a)));
  EXPECT_EQ(harness.sink().wait_for(1).size(), 1u);
  // The count of the others arrives within about a second.
  const auto events = harness.sink().wait_for(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(testing::field(events[1], "repeat"), "49");
}

TEST_F(DnsServerTest, ReloadSwapsThePolicy) {
  ServerHarness harness(make_policy({}), {upstream.port()});
  auto reply = udp_exchange(harness.port(), make_query("www.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->rcode, 0);
  harness.server().reload(make_policy({.deny = {"www.example"}, .answer = policy::BlockedAnswer::refused}));
  for (int i = 0; i < 50 && harness.server().stats().reloads.load() == 0; ++i) std::this_thread::sleep_for(20ms);
  reply = udp_exchange(harness.port(), make_query("www.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->rcode, 5);
}

TEST_F(DnsServerTest, PortTakenIsReported) {
  ServerHarness first(make_policy({}), {upstream.port()});
  boost::asio::io_context io;
  core::Logger log;
  testing::CollectingSink sink;
  DnsServer second(io, make_policy({}), {{Endpoint{boost::asio::ip::make_address("127.0.0.1"), upstream.port()}}},
                   sink, log);
  const auto ec = second.start(Endpoint{boost::asio::ip::make_address("127.0.0.1"), first.port()});
  EXPECT_EQ(ec, std::errc::address_in_use);
}

}  // namespace
}  // namespace defender::dnsproxy

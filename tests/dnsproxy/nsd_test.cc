// Forwarding through a real resolver from Debian: NSD serving a small zone, started by the
// test with its own config, pid file and port under a TempDir (never the system service).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "dnsproxy/packet.h"
#include "tests/dnsproxy/dns_client.h"
#include "tests/support/test_support.h"

namespace defender::dnsproxy {
namespace {

using namespace std::chrono_literals;
using defender::testing::Process;
using defender::testing::TempDir;
using testing::make_query;
using testing::udp_exchange;

constexpr const char* kZone = R"($ORIGIN test.example.
$TTL 300
@      IN SOA ns.test.example. admin.test.example. 1 3600 600 86400 60
@      IN NS  ns.test.example.
ns     IN A   127.0.0.1
www    IN A   192.0.2.10
www    IN AAAA 2001:db8::10
alias  IN CNAME www.test.example.
leak   IN CNAME www.blocked.test.example.
www.blocked IN A 192.0.2.66
big    IN TXT "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big    IN TXT "1123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big    IN TXT "2123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big    IN TXT "3123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big    IN TXT "4123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
big    IN TXT "5123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)";

std::string nsd_binary() {
  for (const char* path : {"/usr/sbin/nsd", "/usr/bin/nsd"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

TEST(DnsWithNsd, ForwardsThroughARealResolver) {
  const std::string nsd = nsd_binary();
  if (nsd.empty()) GTEST_SKIP() << "nsd is not installed (apt-get install nsd)";
  TempDir dir;
  const auto nsd_port = defender::testing::free_port(2);
  dir.write("test.example.zone", kZone);
  const std::string conf = dir.write("nsd.conf",
      "server:\n  ip-address: 127.0.0.1@" + std::to_string(nsd_port) + "\n  port: " + std::to_string(nsd_port) +
      "\n  zonesdir: \"" + dir.path() + "\"\n  database: \"\"\n  zonelistfile: \"" + dir.path() +
      "/zone.list\"\n  pidfile: \"" + dir.path() + "/nsd.pid\"\n  xfrdfile: \"" + dir.path() +
      "/xfrd.state\"\n  xfrdir: \"" + dir.path() + "\"\n  logfile: \"" + dir.path() +
      "/nsd.log\"\n  username: \"\"\n  chroot: \"\"\n  server-count: 1\n  rrl-ratelimit: 0\n"
      "remote-control:\n  control-enable: no\n"
      "zone:\n  name: test.example\n  zonefile: \"" + dir.path() + "/test.example.zone\"\n");
  Process server({nsd, "-d", "-c", conf});
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    up = udp_exchange(nsd_port, make_query("www.test.example", rr::a), 100ms).has_value();
  }
  ASSERT_TRUE(up) << server.err() << defender::testing::read_file(dir.path() + "/nsd.log");

  const auto port = defender::testing::free_port(2);
  const std::string policy = dir.write("policy.yaml", "version: 1\nnetwork:\n  deny: [blocked.test.example]\n");
  Process dns({defender::testing::defender_bin(), "dns", "--policy", policy, "--data-folder", dir.path(),
               "--listen", "127.0.0.1:" + std::to_string(port), "--upstream",
               "127.0.0.1:" + std::to_string(nsd_port)});
  ASSERT_TRUE(dns.wait_for_output("listening on")) << dns.err();

  auto reply = udp_exchange(port, make_query("www.test.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"192.0.2.10"});
  reply = testing::tcp_exchange(port, make_query("www.test.example", rr::aaaa));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"2001:db8::10"});
  reply = udp_exchange(port, make_query("alias.test.example", rr::a, {.edns = true}));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->cnames, std::vector<std::string>{"www.test.example"});
  EXPECT_TRUE(reply->edns);
  reply = udp_exchange(port, make_query("nothing.test.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->rcode, 3);
  EXPECT_EQ(reply->nscount, 1);  // NSD's SOA passes through
  // A CNAME into a denied subtree is blocked.
  reply = udp_exchange(port, make_query("leak.test.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->rcode, 3);
  EXPECT_TRUE(reply->addresses.empty());
  // An answer over 512 bytes: NSD truncates it over UDP without EDNS; the proxy fetches it
  // over TCP and gives the client what fits in 512 bytes, flagged TC, so it retries over TCP.
  reply = udp_exchange(port, make_query("big.test.example", rr::txt));
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->tc());
  reply = testing::tcp_exchange(port, make_query("big.test.example", rr::txt));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->ancount, 6);

  dns.signal(SIGTERM);
  EXPECT_EQ(dns.wait(10s), 0);
  server.signal(SIGTERM);
  server.wait(10s);
}

}  // namespace
}  // namespace defender::dnsproxy

// `defender dns` through the real binary: flags, policy files, signals, events.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <thread>

#include "dnsproxy/packet.h"
#include "tests/dnsproxy/dns_client.h"
#include "tests/dnsproxy/fake_upstream.h"
#include "tests/support/test_support.h"

namespace defender::dnsproxy {
namespace {

using namespace std::chrono_literals;
using defender::testing::Process;
using defender::testing::TempDir;
using testing::FakeUpstream;
using testing::make_query;
using testing::udp_exchange;

TEST(DnsCommand, ForwardsWithTheBuiltInPolicyAndStopsOnSigterm) {
  FakeUpstream upstream;
  upstream.add("www.example", {rr::a, "192.0.2.1", 60});
  TempDir dir;
  std::uint16_t port = 0;
  std::unique_ptr<Process> started;
  for (int attempt = 0; attempt < 5 && !started; ++attempt) {
    port = defender::testing::free_port(2);
    auto process = std::make_unique<Process>(std::vector<std::string>{
        defender::testing::defender_bin(), "dns", "--data-folder", dir.path(), "--listen",
        "127.0.0.1:" + std::to_string(port), "--upstream", upstream.address()});
    if (process->wait_for_output("listening on", 10s)) started = std::move(process);
  }
  ASSERT_TRUE(started);
  Process& dns = *started;
  // No --policy and no DATA_FOLDER/policy.yaml: the built-in policy, which allows everything.
  EXPECT_NE(dns.err().find("built-in"), std::string::npos) << dns.err();
  const auto reply = udp_exchange(port, make_query("www.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"192.0.2.1"});
  dns.signal(SIGTERM);
  EXPECT_EQ(dns.wait(10s), 0) << dns.err();
}

TEST(DnsCommand, ListensOnIpv6Loopback) {
  FakeUpstream upstream;
  upstream.add("www.example", {rr::a, "192.0.2.1", 60});
  TempDir dir;
  const auto port = defender::testing::free_port(2);
  Process dns({defender::testing::defender_bin(), "dns", "--data-folder", dir.path(), "--listen",
               "[::1]:" + std::to_string(port), "--upstream", upstream.address()});
  for (int i = 0; i < 500 && dns.running() && dns.err().find("listening on") == std::string::npos; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  if (dns.err().find("listening on") == std::string::npos) {
    GTEST_SKIP() << "no IPv6 loopback here: " << dns.err();
  }
  for (const std::string transport : {"+notcp", "+tcp"}) {
    const auto result = defender::testing::run({"dig", "+short", "+time=5", "+tries=1", transport, "@::1", "-p",
                                                 std::to_string(port), "www.example", "A"});
    EXPECT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, "192.0.2.1\n") << transport;
  }
  dns.signal(SIGTERM);
  EXPECT_EQ(dns.wait(10s), 0);
}

TEST(DnsCommand, ResolvConfNamingOnlyOurselvesIsRefused) {
  TempDir dir;
  // resolv.conf cannot name a port, so a fake upstream cannot be named there; what the
  // binary must get right is to never forward to itself: a file naming only our own listen
  // address leaves no upstream, which is refused clearly (parsing: resolv_conf_test).
  const std::string conf = dir.write("resolv.conf", "nameserver 127.0.0.1\noptions ndots:2\n");
  const auto result = defender::testing::run({defender::testing::defender_bin(), "dns", "--data-folder",
                                               dir.path(), "--listen", "127.0.0.1:53", "--resolv-conf", conf},
                                              20s);
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_NE(result.err.find("no usable nameserver"), std::string::npos) << result.err;
}

TEST(DnsCommand, BadFlags) {
  TempDir dir;
  auto result = defender::testing::run({defender::testing::defender_bin(), "dns", "--data-folder", dir.path(),
                                         "--listen", "nowhere:53", "--upstream", "127.0.0.1:1"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("not an IPv4 or IPv6 address"), std::string::npos) << result.err;
  result = defender::testing::run({defender::testing::defender_bin(), "dns", "--data-folder", dir.path(),
                                    "--listen", "127.0.0.1:5300", "--resolv-conf", dir.path() + "/none"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("cannot read"), std::string::npos) << result.err;
}

TEST(DnsCommand, PortTakenIsARuntimeError) {
  FakeUpstream upstream;  // holds its UDP and TCP port
  TempDir dir;
  const auto result = defender::testing::run({defender::testing::defender_bin(), "dns", "--data-folder",
                                               dir.path(), "--listen", upstream.address(), "--upstream",
                                               "127.0.0.1:9"});
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.err.find("cannot listen on"), std::string::npos) << result.err;
}

// A running `defender dns` with a policy file the test writes, on a free port (another
// port is tried when the one found free was taken meanwhile, on the TCP side for instance).
struct DnsUnderTest {
  TempDir dir;
  std::uint16_t port = 0;
  std::string policy_path;
  std::unique_ptr<Process> process;
  bool started = false;

  DnsUnderTest(const std::string& policy_yaml, const std::vector<std::string>& upstreams,
              const std::vector<std::string>& extra = {}) {
    policy_path = dir.write("policy.yaml", policy_yaml);
    for (int attempt = 0; attempt < 5 && !started; ++attempt) {
      port = defender::testing::free_port(2);
      std::vector<std::string> argv = {defender::testing::defender_bin(), "dns", "--policy", policy_path,
                                       "--data-folder", dir.path(), "--listen",
                                       "127.0.0.1:" + std::to_string(port)};
      for (const auto& upstream : upstreams) {
        argv.push_back("--upstream");
        argv.push_back(upstream);
      }
      argv.insert(argv.end(), extra.begin(), extra.end());
      process = std::make_unique<Process>(argv);
      for (int i = 0; i < 1000; ++i) {  // bounded: 10 s
        if (process->err().find("listening on") != std::string::npos) {
          started = true;
          break;
        }
        if (!process->running()) break;
        std::this_thread::sleep_for(10ms);
      }
      if (!started && process->err().find("in use") == std::string::npos) break;
    }
  }
  bool ready() const { return started; }
  std::string events() const { return defender::testing::read_file(dir.path() + "/events.jsonl"); }
};

TEST(DnsCommand, PolicyFileBlocksAndRecordsEvents) {
  FakeUpstream upstream;
  upstream.add("www.example", {rr::a, "192.0.2.1", 60});
  DnsUnderTest dns("version: 1\napp_id: shop\nnetwork:\n  deny: [evil.example, \"*.pastebin.example\"]\n"
                   "  blocked_answer: null-ip\nevents:\n  file: events.jsonl\n",
                   {upstream.address()});
  ASSERT_TRUE(dns.ready()) << dns.process->err();
  auto reply = udp_exchange(dns.port, make_query("WWW.Evil.Example.", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"0.0.0.0"});
  reply = testing::tcp_exchange(dns.port, make_query("x.pastebin.example", rr::aaaa));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"::"});
  reply = udp_exchange(dns.port, make_query("www.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(upstream.queries_for("www.evil.example"), 0);
  dns.process->signal(SIGTERM);
  ASSERT_EQ(dns.process->wait(10s), 0);
  const std::string events = dns.events();
  EXPECT_NE(events.find("\"app_id\":\"shop\",\"type\":\"dns\",\"action\":\"prevent\",\"rule\":\"network.deny[0]\""),
            std::string::npos) << events;
  EXPECT_NE(events.find("\"qname\":\"WWW.Evil.Example\""), std::string::npos) << events;
  EXPECT_NE(events.find("\"rule\":\"network.deny[1]\""), std::string::npos) << events;
  EXPECT_NE(events.find("dns filter stopped"), std::string::npos) << events;
}

TEST(DnsCommand, SearchListDoesNotReopenADeniedName) {
  // After NXDOMAIN for x.test, glibc tries x.test.<search domain>; a wildcard record there
  // would answer it. Names ending in a search suffix are judged without it too.
  FakeUpstream upstream;
  upstream.add("evil.example.corp.example", {rr::a, "192.0.2.66", 60});
  upstream.add("x.evil.example.other.example", {rr::a, "192.0.2.67", 60});
  upstream.add("www.example.corp.example", {rr::a, "192.0.2.1", 60});
  upstream.add("app.corp.example", {rr::a, "192.0.2.2", 60});
  TempDir etc;
  const std::string resolv = etc.write("resolv.conf", "nameserver 192.0.2.53\nsearch corp.example Other.Example.\n");
  DnsUnderTest dns("version: 1\nnetwork:\n  deny: [evil.example]\n  allow: [app.corp.example]\n"
                   "  blocked_answer: null-ip\nevents:\n  file: events.jsonl\n",
                   {upstream.address()}, {"--resolv-conf", resolv});
  ASSERT_TRUE(dns.ready()) << dns.process->err();
  auto reply = udp_exchange(dns.port, make_query("evil.example.corp.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"0.0.0.0"});
  reply = udp_exchange(dns.port, make_query("X.Evil.Example.OTHER.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"0.0.0.0"});
  // Not denied without the suffix, or named by a rule as a whole: answered.
  reply = udp_exchange(dns.port, make_query("www.example.corp.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"192.0.2.1"});
  reply = udp_exchange(dns.port, make_query("app.corp.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"192.0.2.2"});
  EXPECT_EQ(upstream.queries_for("evil.example.corp.example"), 0);
  dns.process->signal(SIGTERM);
  ASSERT_EQ(dns.process->wait(10s), 0);
  EXPECT_NE(dns.events().find("\"rule\":\"network.deny[0]\""), std::string::npos) << dns.events();
}

TEST(DnsCommand, ReloadWithAGoodThenABrokenPolicy) {
  FakeUpstream upstream;
  upstream.add("a.example", {rr::a, "192.0.2.1", 60});
  upstream.add("b.example", {rr::a, "192.0.2.2", 60});
  DnsUnderTest dns("version: 1\nnetwork:\n  deny: [a.example]\n", {upstream.address()});
  ASSERT_TRUE(dns.ready()) << dns.process->err();
  EXPECT_EQ(udp_exchange(dns.port, make_query("a.example", rr::a))->rcode, 3);
  EXPECT_EQ(udp_exchange(dns.port, make_query("b.example", rr::a))->rcode, 0);

  dns.dir.write("policy.yaml", "version: 1\nnetwork:\n  deny: [b.example]\n  blocked_answer: refused\n");
  dns.process->signal(SIGHUP);
  ASSERT_TRUE(dns.process->wait_for_output("policy reloaded")) << dns.process->err();
  EXPECT_EQ(udp_exchange(dns.port, make_query("a.example", rr::a))->rcode, 0);
  EXPECT_EQ(udp_exchange(dns.port, make_query("b.example", rr::a))->rcode, 5);

  dns.dir.write("policy.yaml", "version: 1\nnetwork:\n  deny: [c.example\n");
  dns.process->signal(SIGHUP);
  ASSERT_TRUE(dns.process->wait_for_output("reload refused")) << dns.process->err();
  EXPECT_EQ(udp_exchange(dns.port, make_query("b.example", rr::a))->rcode, 5);  // the old one serves
  EXPECT_TRUE(dns.process->running());
  dns.process->signal(SIGINT);
  EXPECT_EQ(dns.process->wait(10s), 0);
  EXPECT_NE(dns.events().find("policy reload refused"), std::string::npos) << dns.events();
}

TEST(DnsCommand, SilentUpstreamGivesServfailWithinTheTimeout) {
  FakeUpstream upstream;
  upstream.set_mode(FakeUpstream::Mode::never_answer);
  DnsUnderTest dns("version: 1\ndns:\n  timeout_ms: 300\n", {upstream.address()});
  ASSERT_TRUE(dns.ready()) << dns.process->err();
  const auto reply = udp_exchange(dns.port, make_query("www.example", rr::a), 5s);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->rcode, 2);
  dns.process->signal(SIGTERM);
  EXPECT_EQ(dns.process->wait(10s), 0);
}

TEST(DnsCommand, CnameToADeniedNameThroughTheBinary) {
  FakeUpstream upstream;
  upstream.add("cdn.example", {rr::cname, "ads.tracker.example", 60});
  upstream.add("ads.tracker.example", {rr::a, "203.0.113.1", 60});
  DnsUnderTest dns("version: 1\nnetwork:\n  deny: [tracker.example]\n", {upstream.address()});
  ASSERT_TRUE(dns.ready()) << dns.process->err();
  const auto reply = udp_exchange(dns.port, make_query("cdn.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->rcode, 3);
  dns.process->signal(SIGTERM);
  ASSERT_EQ(dns.process->wait(10s), 0);
  EXPECT_NE(dns.events().find("cdn.example -> ads.tracker.example"), std::string::npos) << dns.events();
}

}  // namespace
}  // namespace defender::dnsproxy

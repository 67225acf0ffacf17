// `defender dns` through the real binary: flags, policy files, signals, events.
#include <gtest/gtest.h>
#include <signal.h>

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
  const auto port = defender::testing::free_port(2);
  Process dns({defender::testing::defender_bin(), "dns", "--data-folder", dir.path(), "--listen",
               "127.0.0.1:" + std::to_string(port), "--upstream", upstream.address()});
  ASSERT_TRUE(dns.wait_for_output("listening on")) << dns.err();
  const auto reply = udp_exchange(port, make_query("www.example", rr::a));
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->addresses, std::vector<std::string>{"192.0.2.1"});
  dns.signal(SIGTERM);
  EXPECT_EQ(dns.wait(10s), 0) << dns.err();
}

TEST(DnsCommand, UpstreamsFromResolvConfWithoutOurselves) {
  FakeUpstream upstream;
  upstream.add("www.example", {rr::a, "192.0.2.1", 60});
  TempDir dir;
  // resolv.conf cannot name a port: our port is 53 only when the fake listens there, so the
  // file is used here with an explicit port through the [addr]:port form being refused...
  // Instead: point at a resolv.conf naming only ourselves and see the clear refusal.
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

}  // namespace
}  // namespace defender::dnsproxy

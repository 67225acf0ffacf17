#include "dnsproxy/resolv_conf.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace defender::dnsproxy {
namespace {

std::vector<std::string> texts(const ResolvConf& conf) {
  std::vector<std::string> out;
  for (const auto& server : conf.nameservers) out.push_back(server.to_string());
  return out;
}

TEST(ResolvConf, NameserversIncludingIpv6AndScope) {
  const auto conf = parse_resolv_conf(
      "# generated\n"
      "nameserver 10.0.0.2\n"
      "nameserver   2001:db8::53  # comment\n"
      "nameserver\tfe80::1%lo\n"
      "nameserver 10.0.0.9\n");
  EXPECT_EQ(texts(conf), (std::vector<std::string>{"10.0.0.2:53", "[2001:db8::53]:53", "[fe80::1%lo]:53"}));
  ASSERT_EQ(conf.notes.size(), 1u);  // the fourth is ignored, like the C libraries do
  EXPECT_NE(conf.notes[0].find("more than 3"), std::string::npos);
}

TEST(ResolvConf, OptionsSearchAndBadLines) {
  const auto conf = parse_resolv_conf(
      "domain corp.example\n"
      "search a.example b.example\n"
      "options ndots:5 timeout:1 attempts:3 rotate edns0 use-vc\n"
      "; a comment\n"
      "nameserver not-an-ip\n"
      "nameserver\n"
      "sortlist 10.0.0.0/8\n"
      "nameserver 192.0.2.1\r\n");
  EXPECT_EQ(conf.search, (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_EQ(conf.ndots, 5);
  EXPECT_EQ(conf.timeout_s, 1);
  EXPECT_EQ(conf.attempts, 3);
  EXPECT_TRUE(conf.rotate);
  EXPECT_TRUE(conf.edns0);
  EXPECT_TRUE(conf.use_vc);
  EXPECT_EQ(conf.options.size(), 6u);
  EXPECT_EQ(texts(conf), std::vector<std::string>{"192.0.2.1:53"});
  EXPECT_EQ(conf.notes.size(), 2u);
}

TEST(ResolvConf, OurOwnAddressIsIgnored) {
  const std::string text = "nameserver 127.0.0.1\nnameserver 127.0.0.53\nnameserver 10.1.1.1\n";
  auto conf = parse_resolv_conf(text, {*parse_endpoint("127.0.0.1:53", 53)});
  EXPECT_EQ(texts(conf), (std::vector<std::string>{"127.0.0.53:53", "10.1.1.1:53"}));
  // Listening on every address: every loopback nameserver is us.
  conf = parse_resolv_conf(text, {*parse_endpoint("0.0.0.0:53", 53)});
  EXPECT_EQ(texts(conf), std::vector<std::string>{"10.1.1.1:53"});
  // On another port we are not what resolv.conf names.
  conf = parse_resolv_conf(text, {*parse_endpoint("127.0.0.1:5353", 53)});
  EXPECT_EQ(conf.nameservers.size(), 3u);
}

TEST(ResolvConf, ReadsAFileAndReportsAMissingOne) {
  defender::testing::TempDir dir;
  const std::string path = dir.write("resolv.conf", "nameserver 10.0.0.2\n");
  std::error_code ec;
  EXPECT_EQ(texts(read_resolv_conf(path, ec)), std::vector<std::string>{"10.0.0.2:53"});
  EXPECT_FALSE(ec);
  read_resolv_conf(dir.path() + "/missing", ec);
  EXPECT_TRUE(ec);
}

TEST(ResolvConf, RewriteKeepsSearchAndOptions) {
  const std::string original = "search corp.example\nnameserver 10.0.0.2\nnameserver 10.0.0.3\noptions ndots:2\n";
  const std::string rewritten = rewrite_resolv_conf(original, boost::asio::ip::make_address("127.0.0.1"));
  EXPECT_EQ(rewritten,
            "search corp.example\nnameserver 127.0.0.1\n# defender: was nameserver 10.0.0.2\n"
            "# defender: was nameserver 10.0.0.3\noptions ndots:2\n");
  const auto conf = parse_resolv_conf(rewritten);
  EXPECT_EQ(texts(conf), std::vector<std::string>{"127.0.0.1:53"});
  EXPECT_EQ(conf.ndots, 2);
  EXPECT_EQ(rewrite_resolv_conf("options rotate\n", boost::asio::ip::make_address("::1")),
            "nameserver ::1\noptions rotate\n");
}

TEST(Endpoint, Forms) {
  EXPECT_EQ(parse_endpoint("127.0.0.1:5353", 53)->to_string(), "127.0.0.1:5353");
  EXPECT_EQ(parse_endpoint("10.0.0.2", 53)->to_string(), "10.0.0.2:53");
  EXPECT_EQ(parse_endpoint("[::1]:53", 53)->to_string(), "[::1]:53");
  EXPECT_EQ(parse_endpoint("2001:db8::1", 53)->to_string(), "[2001:db8::1]:53");
  std::string error;
  EXPECT_FALSE(parse_endpoint("localhost:53", 53, &error));
  EXPECT_NE(error.find("not an IPv4 or IPv6"), std::string::npos);
  EXPECT_FALSE(parse_endpoint("127.0.0.1:99999", 53, &error));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:", 53, &error));
  EXPECT_FALSE(parse_endpoint("[::1", 53, &error));
  EXPECT_FALSE(parse_endpoint("", 53, &error));
}

}  // namespace
}  // namespace defender::dnsproxy

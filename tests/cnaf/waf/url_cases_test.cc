// Remote file inclusion and SSRF classes beyond the general table in detectors_test.cc:
// include-named parameters, wrapper schemes, a second authority, non-web ports.
#include <gtest/gtest.h>

#include <string>

#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

bool rfi(std::string_view value, std::string_view name = "q") {
  testing::Value v(value, Source::query, name);
  Scratch scratch;
  Hit hit;
  return detect_rfi(v.v, scratch, hit);
}

bool ssrf(std::string_view value) {
  testing::Value v(value, Source::query, "q");
  Scratch scratch;
  Hit hit;
  return detect_ssrf(v.v, scratch, hit);
}

TEST(WafUrlCases, IncludeNamedParameters) {
  EXPECT_TRUE(rfi("https://foo.bar", "_CONF[path]"));
  EXPECT_TRUE(rfi("https://foo.bar", "mosConfig_absolute_path"));
  EXPECT_TRUE(rfi("http://evil.example/x", "include"));
  EXPECT_TRUE(rfi("ftp://evil.example/x", "config[root_dir]"));
  EXPECT_TRUE(rfi("http://evil.example/", "template"));
  // URL parameters of redirects, sign-in and profiles are links, not includes.
  for (const char* name : {"url", "redirect_uri", "next", "return_to", "homepage", "u", "continue",
                           "RelayState", "service", "back", "from", "website", "image", "incident",
                           "direction", "classic", "return_path", "redirect_dir", "confirm", "avatar_path"})
    EXPECT_FALSE(rfi("https://www.example.com/account?tab=1", name)) << name;
  EXPECT_FALSE(rfi("/local/path/file.txt", "path"));
}

TEST(WafUrlCases, WrapperSchemesAndSecondAuthority) {
  for (const char* a : {"jar:http://evil.co/b.zip!a", "jar:file:/path/to/myApp.jar!/com/example/data.txt",
                        "url:file:///etc/passwd", "url:file://foo.bar", "local_file://something",
                        "netdoc:/etc/passwd", "http://example.com/:asd@evil.com/",
                        "http://example.com/@evil.com/", "http://example.com/:foo@bar@evil.com/"})
    EXPECT_TRUE(rfi(a)) << a;
  for (const char* b : {"https://medium.com/@someone/my-post-1234", "https://mastodon.social/@user",
                        "https://www.example.com/", "http://foo:bar@example.com/", "url: see below",
                        "jargon: words", "https://example.com/@user/status/1"})
    EXPECT_FALSE(rfi(b)) << b;
}

TEST(WafUrlCases, NonWebPorts) {
  EXPECT_TRUE(ssrf("https://example.com:1234/"));
  EXPECT_TRUE(ssrf("http://cache.example.net:6379/"));
  EXPECT_FALSE(ssrf("https://example.com:443/"));
  EXPECT_FALSE(ssrf("https://example.com:8443/app"));
  EXPECT_FALSE(ssrf("https://example.com/a:1234"));
  EXPECT_FALSE(ssrf("see https://example.com:1234/ for the docs"));
}

// IPv6 literals of the host's own networks, and internal IPv4 addresses mapped or embedded in
// them; circled digits and letters, which NFKC turns into ASCII.
TEST(WafUrlCases, InternalIpv6AndCircledHosts) {
  for (const char* a : {"http://[0:0:0:0:0:ffff:169.254.169.254]/", "http://[0:0:0:0:0:ffff:a9fe:a9fe]/latest",
                        "http://[::ffff:a9fe:a9fe]/", "http://[0:0:0:0:0:0:169.254.169.254]", "http://[fe80::1]/",
                        "http://[64:ff9b::7f00:1]/", "http://[fd00:ec2::254]/latest/meta-data/", "http://[::]:80/",
                        "http://%E2%91%A0%E2%91%A1%E2%91%A6.%E2%93%AA.%E2%93%AA.%E2%91%A0/",
                        "http://%E2%93%81%E2%93%84%E2%92%B8%E2%92%B6%E2%93%81%E2%92%BD%E2%93%84%E2%93%88%E2%93%89/"})
    EXPECT_TRUE(ssrf(a)) << a;
  for (const char* b : {"http://[2001:db8::1]/", "http://[a::b]", "https://[2606:4700::6810:85e5]/",
                        "http://[64:ff9b::808:808]/", "http://[1:2]/",
                        "see %E2%91%A0 and %E2%91%A1 in the list"})
    EXPECT_FALSE(ssrf(b)) << b;
}

// A host that is one number past 32 bits, which resolvers keeping the low 32 bits read as
// the internal address it wraps to (7147006462 = 2^32 + 169.254.169.254).
TEST(WafUrlCases, IntegerHostsPast32Bits) {
  for (const char* a : {"http://7147006462/latest/meta-data/", "http://0x1a9fea9fe/", "http://4294967297/",
                        "http://10720641025:8080/", "https://065177524776/x"})
    EXPECT_TRUE(ssrf(a)) << a;
  for (const char* b : {"http://5000000000/", "https://example.com/7147006462", "http://7147006462.example.com/",
                        "http://99999999999999999999/", "order 7147006462 shipped"})
    EXPECT_FALSE(ssrf(b)) << b;
}

}  // namespace
}  // namespace defender::cnaf::waf

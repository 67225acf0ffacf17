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

}  // namespace
}  // namespace defender::cnaf::waf

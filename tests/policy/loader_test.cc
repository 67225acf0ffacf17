// The loader: every kind of bad policy is reported with its message and place, all in one
// run; good policies load with defaults filled and modes inherited.
#include "policy/loader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace defender::policy {
namespace {

using defender::testing::TempDir;

LoadResult load(const std::string& text, const TempDir& dir) {
  return load_policy_file(dir.write("policy.yaml", text));
}

std::string all_errors(const LoadResult& result) {
  std::string out;
  for (const auto& e : result.errors) out += e.to_string() + "\n";
  return out;
}

struct BadCase {
  const char* name;
  const char* policy;
  int line;
  int column;
  const char* message;  // a part of the message
};

// One row a kind of mistake: policy text -> the place and the words of its error.
const BadCase kBadCases[] = {
    {"unknown_top_key", "version: 1\nmdoe: alert\n", 2, 1, "unknown key 'mdoe' (did you mean 'mode'?)"},
    {"unknown_nested_key", "dns:\n  upstrem: [1.1.1.1]\n", 2, 3, "unknown key 'dns.upstrem' (did you mean 'upstreams'?)"},
    {"unknown_key_no_hint", "cnaf:\n  zzzzzz: 1\n", 2, 3, "unknown key 'cnaf.zzzzzz'"},
    {"duplicate_key", "mode: alert\nmode: prevent\n", 2, 1, "duplicate key 'mode'"},
    {"bad_yaml", "processes: [a, b\n", 2, 1, "not valid YAML or JSON"},
    {"bad_json", "{\"version\": 1, \"mode\": \"alert\"\n", 2, 1, "not valid YAML or JSON"},
    {"top_not_map", "- a\n- b\n", 1, 1, "expected a map of keys, got a list"},
    {"section_not_map", "dns: 5\n", 1, 6, "dns: expected a map of keys, got a scalar"},
    {"unknown_mode", "mode: block\n", 1, 7, "mode: unknown action 'block'"},
    {"ban_outside_cnaf", "processes:\n  action: ban\n", 2, 11, "'ban' applies only to CNAF protections"},
    {"unknown_protection_action", "cnaf:\n  protections:\n    sqli: deny\n", 3, 11, "unknown action 'deny'"},
    {"unknown_protection", "cnaf:\n  protections:\n    sqlinjection: prevent\n", 3, 5, "unknown key 'cnaf.protections.sqlinjection'"},
    {"wrong_version", "version: 2\n", 1, 10, "reads policy version 1, not 2"},
    {"version_not_number", "version: one\n", 1, 10, "expected a whole number from 1 to 1000, got 'one'"},
    {"list_not_list", "network:\n  deny: evil.example\n", 2, 9, "network.deny: expected a list of strings, got a scalar (write [evil.example])"},
    {"list_item_map", "network:\n  deny:\n    - {a: b}\n", 3, 7, "network.deny[0]: expected a non-empty string, got a map"},
    {"bad_domain_chars", "network:\n  deny: [\"ev!l.example\"]\n", 2, 10, "network.deny[0]: bad domain rule 'ev!l.example'"},
    {"bad_domain_empty_label", "network:\n  deny: [\"a..b\"]\n", 2, 10, "network.deny[0]: bad domain rule 'a..b'"},
    {"bad_domain_wildcard_middle", "network:\n  allow: [\"a.*.b\"]\n", 2, 11, "network.allow[0]: bad domain rule 'a.*.b'"},
    {"duplicate_domain_rule", "network:\n  deny: [a.example, b.example, A.example.]\n", 2, 32, "network.deny[2]: duplicate rule 'A.example.' (same as network.deny[0])"},
    {"unknown_default", "network:\n  default: block\n", 2, 12, "network.default: unknown value 'block' (expected allow or deny)"},
    {"unknown_blocked_answer", "network:\n  blocked_answer: nxdomian\n", 2, 19, "did you mean 'nxdomain'?"},
    {"bad_glob_relative", "processes:\n  deny: [bin/nc]\n", 2, 10, "processes.deny[0]: bad glob: glob 'bin/nc' is relative"},
    {"bad_glob_stars", "processes:\n  deny: [\"/usr/bin/**nc\"]\n", 2, 10, "'**' must be a whole path segment"},
    {"bad_glob_three_stars", "processes:\n  allow: [\"/usr/***\"]\n", 2, 11, "'***' in glob"},
    {"duplicate_glob", "processes:\n  deny: [/usr/bin/nc, /usr/bin/nc]\n", 2, 23, "processes.deny[1]: duplicate rule '/usr/bin/nc'"},
    {"bad_cidr_address", "cnaf:\n  access:\n    deny_cidrs: [10.0.0.300/8]\n", 3, 18, "bad CIDR: '10.0.0.300' is not an IPv4 or IPv6 address"},
    {"bad_cidr_length", "cnaf:\n  access:\n    allow_cidrs: [10.0.0.0/33]\n", 3, 19, "prefix length '33' must be 0-32"},
    {"bad_cidr_host_bits", "cnaf:\n  access:\n    allow_cidrs: [\"10.0.0.1/8\"]\n", 3, 19, "has host bits set"},
    {"duplicate_cidr", "cnaf:\n  access:\n    deny_cidrs: [\"::1\", \"::1\"]\n", 3, 25, "cnaf.access.deny_cidrs[1]: duplicate rule '::1'"},
    {"bad_listen_port", "dns:\n  listen: 127.0.0.1:99999\n", 2, 11, "dns.listen: port '99999' is not 1-65535"},
    {"listen_without_port", "cnaf:\n  listen: 0.0.0.0\n", 2, 11, "needs a port"},
    {"bad_upstream_address", "dns:\n  upstreams: [dns.example]\n", 2, 15, "dns.upstreams[0]: 'dns.example' is not an IPv4 or IPv6 address"},
    {"bad_timeout_type", "dns:\n  timeout_ms: fast\n", 2, 15, "dns.timeout_ms: expected a whole number from 10 to 60000, got 'fast'"},
    {"timeout_out_of_range", "dns:\n  timeout_ms: 0\n", 2, 15, "expected a whole number from 10 to 60000, got '0'"},
    {"negative_limit", "cnaf:\n  limits: {max_body_bytes: -1}\n", 2, 28, "cnaf.limits.max_body_bytes: expected a whole number"},
    {"bad_bool", "supervisor:\n  signal_process_group: yes please\n", 2, 25, "expected true or false"},
    {"bad_user", "supervisor:\n  user: \"app user\"\n", 2, 9, "is not USER or USER:GROUP"},
    {"bad_on_control_failure", "supervisor:\n  on_control_failure: ignore\n", 2, 23, "(expected continue or refuse)"},
    {"tls_half", "cnaf:\n  tls: {cert: \"\", key: \"\"}\n  block_status: 200\n", 3, 17, "cnaf.block_status: expected a whole number from 400 to 599"},
    {"unreadable_tls_cert", "cnaf:\n  tls: {cert: missing.pem, key: missing.key}\n", 2, 15, "cnaf.tls.cert: cannot read"},
    {"empty_events_file", "events:\n  file: \"\"\n", 2, 9, "events.file: empty; use \"-\" for stdout"},
    {"missing_list_file", "network:\n  lists: [nowhere.txt]\n", 2, 11, "network.lists[0]: cannot read list file"},
    {"empty_methods", "cnaf:\n  allowed_methods: []\n", 2, 20, "cnaf.allowed_methods: name at least one method"},
    {"bad_method", "cnaf:\n  allowed_methods: [GET, \"GE T\"]\n", 2, 26, "cnaf.allowed_methods[1]: 'GE T' is not a method"},
    {"duplicate_method", "cnaf:\n  allowed_methods: [GET, GET]\n", 2, 26, "cnaf.allowed_methods[1]: duplicate method 'GET'"},
    {"rate_not_number", "cnaf:\n  rate_limit: {requests_per_second: many}\n", 2, 37, "expected a number from 0 to"},
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadPolicy : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadPolicy, IsRefusedWithPlaceAndReason) {
  const BadCase& c = GetParam();
  TempDir dir;
  const LoadResult result = load(c.policy, dir);
  ASSERT_FALSE(result.ok()) << c.policy;
  ASSERT_FALSE(result.errors.empty());
  const Diagnostic& first = result.errors.front();
  EXPECT_EQ(first.file, dir.path() + "/policy.yaml");
  EXPECT_EQ(first.line, c.line) << all_errors(result);
  EXPECT_EQ(first.column, c.column) << all_errors(result);
  EXPECT_NE(first.message.find(c.message), std::string::npos)
      << "wanted '" << c.message << "' in:\n" << all_errors(result);
}

INSTANTIATE_TEST_SUITE_P(Cases, BadPolicy, ::testing::ValuesIn(kBadCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Loader, ReportsEveryErrorInOneRun) {
  TempDir dir;
  const LoadResult result = load(
      "mdoe: alert\n"
      "network:\n  deny: [\"bad name\", ok.example]\n  default: maybe\n"
      "dns:\n  timeout_ms: -5\n",
      dir);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 4u) << all_errors(result);
  // In file order, each on its own line.
  EXPECT_EQ(result.errors[0].line, 1);
  EXPECT_EQ(result.errors[1].line, 3);
  EXPECT_EQ(result.errors[2].line, 4);
  EXPECT_EQ(result.errors[3].line, 6);
}

TEST(Loader, ListFileErrorsNameTheListFileLineAndColumn) {
  TempDir dir;
  dir.write("lists/block.txt", "good.example\n0.0.0.0\n  bad..name\nx.example junk\n");
  const LoadResult result = load("network:\n  lists: [lists/block.txt]\n", dir);
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 3u) << all_errors(result);
  const std::string list = dir.path() + "/lists/block.txt";
  EXPECT_EQ(result.errors[0].to_string().rfind(list + ":2:1: address '0.0.0.0' without a name", 0), 0u)
      << all_errors(result);
  EXPECT_EQ(result.errors[1].to_string().rfind(list + ":3:3: bad domain name 'bad..name'", 0), 0u)
      << all_errors(result);
  EXPECT_EQ(result.errors[2].to_string().rfind(list + ":4:1: expected a name, or an address", 0), 0u)
      << all_errors(result);
}

TEST(Loader, UnreadablePolicyIsOneClearError) {
  const LoadResult result = load_policy_file("/nonexistent/policy.yaml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            "/nonexistent/policy.yaml: cannot read policy: No such file or directory");
}

TEST(Loader, EmptyPolicyIsAllDefaults) {
  TempDir dir;
  const LoadResult result = load("", dir);
  ASSERT_TRUE(result.ok()) << all_errors(result);
  const Policy& p = *result.policy;
  EXPECT_EQ(p.mode, Mode::prevent);
  EXPECT_EQ(p.dns.listen, "127.0.0.1:53");
  EXPECT_EQ(p.dns.timeout_ms, 2000u);
  EXPECT_EQ(p.cnaf.listen, "0.0.0.0:8080");
  EXPECT_EQ(p.cnaf.limits.max_header_bytes, 16384u);
  EXPECT_EQ(p.cnaf.protections.scanners, Mode::alert);
  EXPECT_EQ(p.cnaf.protections.sqli, Mode::prevent);
  EXPECT_EQ(p.cnaf.allowed_methods,
            (std::vector<std::string>{"GET", "HEAD", "POST", "OPTIONS"}));
  EXPECT_EQ(p.events.file, "events.jsonl");
  EXPECT_EQ(p.metrics.listen, "127.0.0.1:9464");
  EXPECT_EQ(p.supervisor.grace_ms, 5000u);
  EXPECT_FALSE(p.network.decide("anything.example").deny);
}

TEST(Loader, AllowedMethodsReplaceTheDefaultList) {
  TempDir dir;
  const LoadResult result = load("cnaf:\n  allowed_methods: [GET, HEAD, PROPFIND]\n", dir);
  ASSERT_TRUE(result.ok()) << all_errors(result);
  EXPECT_EQ(result.policy->cnaf.allowed_methods, (std::vector<std::string>{"GET", "HEAD", "PROPFIND"}));
}

TEST(Loader, ModeIsInheritedAndCapsProtections) {
  TempDir dir;
  const LoadResult result = load(
      "mode: alert\nprocesses: {deny: [/bin/x]}\nnetwork: {deny: [x.example], action: prevent}\n"
      "cnaf: {protections: {xss: ban}}\n",
      dir);
  ASSERT_TRUE(result.ok()) << all_errors(result);
  const Policy& p = *result.policy;
  EXPECT_EQ(p.processes.action, Mode::alert);         // inherited
  EXPECT_EQ(p.network.action, Mode::prevent);         // set explicitly
  EXPECT_EQ(p.cnaf.protections.sqli, Mode::alert);    // default prevent, capped by the mode
  EXPECT_EQ(p.cnaf.protections.scanners, Mode::alert);
  EXPECT_EQ(p.cnaf.protections.xss, Mode::ban);       // explicit beats the mode
  EXPECT_EQ(p.processes.decide("/bin/x").action, Mode::alert);

  const LoadResult off = load("mode: disable\n", dir);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off.policy->cnaf.protections.protocol, Mode::disable);
  EXPECT_EQ(off.policy->processes.action, Mode::disable);
}

TEST(Loader, JsonPolicyLoads) {
  TempDir dir;
  const LoadResult result = load_policy_file(dir.write(
      "policy.json",
      "{\"version\": 1, \"app_id\": \"j\", \"network\": {\"deny\": [\"evil.example\"],\n"
      "\t\"blocked_answer\": \"null-ip\"}, \"cnaf\": {\"access\": {\"deny_cidrs\": [\"10.0.0.0/8\"]}}}"));
  ASSERT_TRUE(result.ok()) << all_errors(result);
  EXPECT_EQ(result.policy->app_id, "j");
  EXPECT_EQ(result.policy->network.blocked_answer, BlockedAnswer::null_ip);
  EXPECT_TRUE(result.policy->network.decide("a.evil.example").deny);
  EXPECT_TRUE(result.policy->cnaf.deny_set.match("10.1.2.3").has_value());
}

TEST(Loader, ListFilesResolveAgainstThePolicyFolderAndAreNamedByLine) {
  TempDir dir;
  dir.write("conf/block.txt", "# comment\n\nads.example\n0.0.0.0 t1.example t2.example # trailing\n"
                              "127.0.0.1 localhost\nads.example\n");
  dir.write("conf/allow.txt", "ok.ads.example\n");
  const LoadResult result = load_policy_file(dir.write(
      "conf/policy.yaml", "network:\n  lists: [block.txt]\n  allow_lists: [allow.txt]\n"));
  ASSERT_TRUE(result.ok()) << all_errors(result);
  const NetworkPolicy& n = result.policy->network;
  EXPECT_EQ(n.decide("x.ads.example").summary(), "deny prevent block.txt:3");
  EXPECT_EQ(n.decide("T2.example.").summary(), "deny prevent block.txt:4");
  EXPECT_EQ(n.decide("ok.ads.example").summary(), "allow - allow.txt:1");
  EXPECT_EQ(n.decide("localhost").summary(), "allow - network.default");
}

}  // namespace
}  // namespace defender::policy

// The `defender` command line as users and scripts see it: output, exit statuses, messages.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

namespace defender::testing {
namespace {

RunResult defender(std::vector<std::string> args) {
  args.insert(args.begin(), defender_bin());
  return run(args, 30s);
}

std::string conf(const std::string& name) { return source_dir() + "/conf/" + name; }

TEST(Cli, VersionAndHelp) {
  auto r = defender({"version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("defender ", 0), 0u);

  r = defender({"help"});
  EXPECT_EQ(r.status, 0);
  for (const char* command : {"rasp", "dns", "cnaf", "embed", "policy", "console", "version"}) {
    EXPECT_NE(r.out.find(command), std::string::npos) << command;
  }
  r = defender({"help", "policy"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Usage: defender policy"), std::string::npos) << r.out;
  r = defender({"help", "nope"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown command 'nope'"), std::string::npos);
}

TEST(Cli, EveryCommandHasHelp) {
  for (std::vector<std::string> command :
       {std::vector<std::string>{"rasp"}, {"dns"}, {"cnaf"}, {"embed"}, {"console"}, {"policy"},
        {"policy", "check"}, {"policy", "explain"}, {"version"}}) {
    command.push_back("--help");
    const auto r = defender(command);
    EXPECT_EQ(r.status, 0) << command[0];
    EXPECT_NE(r.out.find("Usage: defender " + command[0]), std::string::npos) << r.out;
  }
}

TEST(Cli, BadUsageExitsTwoNamingTheProblem) {
  auto r = defender({});
  EXPECT_EQ(r.status, 2);
  r = defender({"frobnicate"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos);
  r = defender({"policy"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("defender policy:"), std::string::npos) << r.err;
  r = defender({"policy", "check"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("file is required"), std::string::npos) << r.err;
  r = defender({"policy", "explain", conf("default.yaml")});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--domain, --exec or --request"), std::string::npos) << r.err;
  r = defender({"policy", "explain", conf("default.yaml"), "--domain", "a", "--exec", "/bin/ls"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("excludes"), std::string::npos) << r.err;
  r = defender({"policy", "check", "--bogus", conf("default.yaml")});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--bogus"), std::string::npos) << r.err;
}

TEST(Cli, PolicyCheckPrintsEveryErrorAndExitsTwo) {
  TempDir dir;
  const std::string file = dir.write("p.yaml", "mdoe: alert\nnetwork:\n  deny: [\"a..b\"]\n");
  const auto r = defender({"policy", "check", file});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(file + ":1:1: unknown key 'mdoe' (did you mean 'mode'?)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file + ":3:10: network.deny[0]: bad domain rule 'a..b'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 errors"), std::string::npos) << r.err;

  const auto ok = defender({"policy", "check", conf("default.yaml")});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find(": ok"), std::string::npos);

  const auto missing = defender({"policy", "check", dir.path() + "/none.yaml"});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("cannot read policy"), std::string::npos);
}

TEST(Cli, PolicyExplainPrintsDecisionActionRule) {
  TempDir dir;
  const std::string file = dir.write(
      "p.yaml",
      "network: {deny: [evil.example, \"*.pastebin.com\"]}\nprocesses: {deny: [\"**/nc\"], action: alert}\n");
  auto r = defender({"policy", "explain", file, "--domain", "x.pastebin.com"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "deny prevent network.deny[1]\n");
  r = defender({"policy", "explain", file, "--domain", "example.org"});
  EXPECT_EQ(r.out, "allow - network.default\n");
  r = defender({"policy", "explain", file, "--exec", "/opt/tools/nc", "-l", "-p", "4444"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "deny alert processes.deny[0]\n");

  r = defender({"policy", "explain", file, "--domain", "EVIL.example.", "--json"});
  ASSERT_EQ(r.status, 0);
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["decision"], "deny");
  EXPECT_EQ(json["action"], "prevent");
  EXPECT_EQ(json["rule"], "network.deny[0]");
  EXPECT_FALSE(json["reason"].get<std::string>().empty());
  EXPECT_EQ(r.out.find("{\"decision\""), 0u) << "keys in SPEC order: " << r.out;
}

TEST(Cli, PolicyExplainJudgesARequestWithTheFirewall) {
  const std::string policy = conf("default.yaml");
  auto r = defender({"policy", "explain", policy, "--request", "GET /item?id=1'+UNION+SELECT+password+FROM+users--"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "deny prevent cnaf.protections.sqli\n");
  r = defender({"policy", "explain", policy, "--request", "GET /search?q=O'Brien+union+select+committee"});
  EXPECT_EQ(r.out, "allow - cnaf.default\n");
  r = defender({"policy", "explain", policy, "--request", "GET /?q=%3Csvg/onload=alert(1)%3E", "--json"});
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["rule"], "cnaf.protections.xss");
  EXPECT_NE(json["reason"].get<std::string>().find("query:q"), std::string::npos) << r.out;
  r = defender({"policy", "explain", policy, "--request", "GET"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("expected 'METHOD TARGET'"), std::string::npos) << r.err;
}

TEST(Cli, ExplainWithBadPolicyExitsTwo) {
  TempDir dir;
  const auto r = defender({"policy", "explain", dir.write("p.yaml", "mode: sometimes\n"), "--domain", "a"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("p.yaml:1:7: mode: unknown action 'sometimes'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace defender::testing

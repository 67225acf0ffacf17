// Every policy shipped in conf/ loads without an error.
#include <gtest/gtest.h>

#include <filesystem>

#include "policy/loader.h"
#include "tests/support/test_support.h"

namespace defender::policy {
namespace {

TEST(Conf, EveryShippedPolicyLoads) {
  namespace fs = std::filesystem;
  int loaded = 0;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(testing::source_dir()) / "conf")) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".yaml" && ext != ".yml" && ext != ".json") continue;
    const LoadResult result = load_policy_file(entry.path().string());
    std::string errors;
    for (const auto& e : result.errors) errors += e.to_string() + "\n";
    EXPECT_TRUE(result.ok()) << errors;
    ++loaded;
  }
  EXPECT_GE(loaded, 4);
}

TEST(Conf, DefaultPolicyDeniesAttackerToolsAndAllowsTheApp) {
  const LoadResult result = load_policy_file(testing::source_dir() + "/conf/default.yaml");
  ASSERT_TRUE(result.ok());
  const Policy& p = *result.policy;
  for (const char* path : {"/usr/bin/nc", "/bin/nc.openbsd", "/usr/local/bin/xmrig", "/tmp/payload",
                           "/dev/shm/x", "/usr/bin/socat", "/usr/bin/nmap"}) {
    EXPECT_TRUE(p.processes.decide(path).deny) << path;
  }
  for (const char* path : {"/usr/local/bin/node", "/usr/bin/python3", "/bin/sh", "/usr/sbin/nginx"}) {
    EXPECT_FALSE(p.processes.decide(path).deny) << path;
  }
  EXPECT_TRUE(p.network.decide("pastebin.com").deny);
  EXPECT_TRUE(p.network.decide("pool.supportxmr.com").deny);
  EXPECT_FALSE(p.network.decide("registry.npmjs.org").deny);
  EXPECT_EQ(p.cnaf.protections.sqli, Mode::prevent);
}

}  // namespace
}  // namespace defender::policy

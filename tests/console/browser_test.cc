// The web UI in headless Chromium (Debian's chromium, driven over the DevTools pipe by
// browser_ui.py): log in, see a policy error in place, save a policy, deploy a Dockerfile and
// receive rasp_embed.zip. Skipped when Chromium is not installed (scripts/setup.sh has it).
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/console/console_support.h"

namespace defender::console::testing {
namespace {

using defender::testing::TempDir;

TEST(ConsoleBrowser, LoginPolicyErrorAndDeploy) {
  if (::access("/usr/bin/chromium", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/chromium";
  TempDir dir;
  ConsoleProcess console(dir.path() + "/data", defender::testing::free_port(), defender::testing::free_port(),
                         {"--defender-binary", "/bin/busybox"});
  ASSERT_TRUE(console.ready()) << console.process().err();
  const std::string dockerfile = dir.write("Dockerfile", "FROM alpine:3.19\nENTRYPOINT [\"/app/run\"]\n");
  const auto result = defender::testing::run(
      {"python3", defender::testing::source_dir() + "/tests/console/browser_ui.py",
       "https://127.0.0.1:" + std::to_string(console.api_port()) + "/", "admin", kAdminPassword, dockerfile,
       dir.path()},
      std::chrono::seconds(180));
  EXPECT_EQ(result.status, 0) << result.out << result.err << defender::testing::read_file(dir.path() + "/chromium.log");
}

}  // namespace
}  // namespace defender::console::testing

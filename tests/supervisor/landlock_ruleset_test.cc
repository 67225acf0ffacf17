#include "supervisor/landlock_ruleset.h"

#include <gtest/gtest.h>

namespace defender::supervisor {
namespace {

TEST(Landlock, GlobAnchors) {
  EXPECT_EQ(glob_anchor("/usr/bin/nc.*"), "/usr/bin");
  EXPECT_EQ(glob_anchor("/usr/bin/*"), "/usr/bin");
  EXPECT_EQ(glob_anchor("/opt/app/**"), "/opt/app");
  EXPECT_EQ(glob_anchor("/opt/app/run"), "/opt/app/run");
  EXPECT_EQ(glob_anchor("/*"), "/");
  EXPECT_EQ(glob_anchor("xmrig"), "/");
  EXPECT_EQ(glob_anchor("**/xmrig"), "/");
}

TEST(Landlock, ElfInterpreter) {
  const auto interp = elf_interpreter("/usr/bin/true");
  ASSERT_TRUE(interp.has_value());
  EXPECT_NE(interp->find("ld-linux"), std::string::npos) << *interp;
  EXPECT_FALSE(elf_interpreter("/etc/passwd").has_value());
  EXPECT_FALSE(elf_interpreter("/no/such/file").has_value());
}

TEST(Landlock, BuildsARulesetWhenAvailable) {
  std::string error;
  if (!landlock_abi(&error)) GTEST_SKIP() << "no Landlock here: " << error;
  auto ruleset = LandlockRuleset::build({"/usr/bin", "/no/such/dir"}, &error);
  ASSERT_TRUE(ruleset.has_value()) << error;
  EXPECT_GE(ruleset->fd(), 0);
  EXPECT_EQ(ruleset->allowed(), std::vector<std::string>{"/usr/bin"});
  ASSERT_EQ(ruleset->skipped().size(), 1u);
  EXPECT_NE(ruleset->skipped()[0].find("/no/such/dir"), std::string::npos);
}

}  // namespace
}  // namespace defender::supervisor

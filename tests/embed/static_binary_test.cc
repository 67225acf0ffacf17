// The static defender runs in an image with no libraries at all: an empty chroot holding
// only the binary (and a policy) runs `defender version` and `defender policy check`.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "embed/bundle.h"
#include "tests/embed/embed_support.h"
#include "tests/support/test_support.h"

namespace defender::embed {
namespace {

namespace fs = std::filesystem;
using defender::testing::run;
using defender::testing::TempDir;

class StaticDefender : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = testing::static_defender();
    if (bin_.empty()) {
      bool expected = false;
      const std::string why = testing::static_defender_missing(expected);
      if (expected) FAIL() << why;
      GTEST_SKIP() << why;
    }
  }
  std::string bin_;
};

TEST_F(StaticDefender, HasNoProgramInterpreter) {
  EXPECT_EQ(is_static_elf(bin_), std::optional<bool>(true));
  const auto ldd = run({"ldd", bin_});
  EXPECT_NE((ldd.out + ldd.err).find("not a dynamic executable"), std::string::npos) << ldd.out << ldd.err;
}

TEST_F(StaticDefender, RunsInAnEmptyChroot) {
  if (::geteuid() != 0) GTEST_SKIP() << "chroot needs root; this test runs as uid " << ::geteuid();
  TempDir root;
  fs::copy_file(bin_, root.path() + "/defender");
  fs::permissions(root.path() + "/defender", fs::perms(0755));
  fs::copy_file(defender::testing::source_dir() + "/conf/default.yaml", root.path() + "/policy.yaml");
  root.write("bad.yaml", "version: 1\nmode: sometimes\n");
  // Nothing else: no /lib, no /etc, no /proc, no /dev.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(root.path())) ++entries;
  ASSERT_EQ(entries, 3u);

  const auto version = run({"chroot", root.path(), "/defender", "version"});
  EXPECT_EQ(version.status, 0) << version.err;
  EXPECT_NE(version.out.find("defender "), std::string::npos) << version.out;

  const auto check = run({"chroot", root.path(), "/defender", "policy", "check", "/policy.yaml"});
  EXPECT_EQ(check.status, 0) << check.out << check.err;

  const auto bad = run({"chroot", root.path(), "/defender", "policy", "check", "/bad.yaml"});
  EXPECT_EQ(bad.status, 2) << bad.out << bad.err;
  EXPECT_TRUE(std::regex_search(bad.out + bad.err, std::regex("/bad\\.yaml:2:[0-9]+: "))) << bad.out << bad.err;
}

}  // namespace
}  // namespace defender::embed

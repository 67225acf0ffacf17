// The ZIP writer against the system's unzip: contents round-trip, the executable bit
// survives extraction, entries are deflated, and bad names are refused.
#include "embed/zip_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>

#include "tests/support/test_support.h"

namespace defender::embed {
namespace {

using defender::testing::TempDir;

TEST(ZipWriter, UnzipExtractsContentAndModes) {
  std::mt19937 rng(1);
  std::string random_bytes(300000, '\0');
  for (auto& c : random_bytes) c = static_cast<char>(rng());
  const std::string text(200000, 'a');
  ZipWriter zip;
  zip.add("Dockerfile", "FROM scratch\n", 0644);
  zip.add("defender", random_bytes, 0755);
  zip.add("lists/block.txt", text, 0644);
  zip.add("empty", "", 0600);
  const std::string archive = zip.finish();
  EXPECT_LT(archive.size(), random_bytes.size() + 20000);  // text deflated, random stored

  TempDir dir;
  const std::string path = dir.write("b.zip", archive);
  const auto test = defender::testing::run({"unzip", "-t", path});
  ASSERT_EQ(test.status, 0) << test.out << test.err;
  const auto out = defender::testing::run({"unzip", "-q", path, "-d", dir.path() + "/x"});
  ASSERT_EQ(out.status, 0) << out.err;
  EXPECT_EQ(defender::testing::read_file(dir.path() + "/x/defender"), random_bytes);
  EXPECT_EQ(defender::testing::read_file(dir.path() + "/x/lists/block.txt"), text);
  EXPECT_EQ(defender::testing::read_file(dir.path() + "/x/Dockerfile"), "FROM scratch\n");
  EXPECT_EQ(defender::testing::read_file(dir.path() + "/x/empty"), "");
  struct stat st {};
  ASSERT_EQ(stat((dir.path() + "/x/defender").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
  ASSERT_EQ(stat((dir.path() + "/x/Dockerfile").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0111, 0u);
}

TEST(ZipWriter, SameInputSameBytes) {
  ZipWriter a;
  ZipWriter b;
  a.add("f", "hello hello hello", 0644);
  b.add("f", "hello hello hello", 0644);
  EXPECT_EQ(a.finish(), b.finish());
}

TEST(ZipWriter, RefusesUnsafeNames) {
  ZipWriter zip;
  EXPECT_THROW(zip.add("", "x"), std::runtime_error);
  EXPECT_THROW(zip.add("/etc/passwd", "x"), std::runtime_error);
  EXPECT_THROW(zip.add("../up", "x"), std::runtime_error);
}

}  // namespace
}  // namespace defender::embed

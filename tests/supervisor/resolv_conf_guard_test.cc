#include "supervisor/resolv_conf_guard.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace defender::supervisor {
namespace {

TEST(ResolvConfGuard, RewritesInPlaceAndRestores) {
  testing::TempDir dir;
  const std::string original = "search corp.example\nnameserver 10.0.0.2\noptions ndots:5\n";
  const std::string path = dir.write("resolv.conf", original);
  struct stat before {};
  ASSERT_EQ(stat(path.c_str(), &before), 0);
  std::string error;
  const auto read = ResolvConfGuard::read(path, &error);
  ASSERT_TRUE(read) << error;
  {
    ResolvConfGuard guard(path);
    ASSERT_TRUE(guard.rewrite(*read, "nameserver 127.0.0.1\n", &error)) << error;
    EXPECT_EQ(testing::read_file(path), "nameserver 127.0.0.1\n");
    struct stat after {};
    ASSERT_EQ(stat(path.c_str(), &after), 0);
    EXPECT_EQ(after.st_ino, before.st_ino) << "must be the same inode (a bind mount cannot be renamed over)";
    ASSERT_TRUE(guard.restore(&error)) << error;
    EXPECT_EQ(testing::read_file(path), original);
    ASSERT_TRUE(guard.rewrite(*read, "nameserver 127.0.0.1\n", &error));
  }  // the destructor restores too
  EXPECT_EQ(testing::read_file(path), original);
}

TEST(ResolvConfGuard, SaysWhyItCannot) {
  testing::TempDir dir;
  std::string error;
  EXPECT_FALSE(ResolvConfGuard::read(dir.path() + "/missing", &error));
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
  ResolvConfGuard guard(dir.path() + "/missing");
  EXPECT_FALSE(guard.rewrite("", "x", &error));
  EXPECT_NE(error.find("open("), std::string::npos) << error;
  EXPECT_FALSE(guard.rewritten());
}

}  // namespace
}  // namespace defender::supervisor

#include "supervisor/user_spec.h"

#include <gtest/gtest.h>

namespace defender::supervisor {
namespace {

TEST(UserSpec, NamesAndNumbers) {
  std::string error;
  auto creds = resolve_user("root", &error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->uid, 0u);
  EXPECT_EQ(creds->gid, 0u);
  EXPECT_EQ(creds->home, "/root");

  creds = resolve_user("nobody", &error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->uid, 65534u);

  creds = resolve_user("4321", &error);  // no passwd entry: the group is the same number
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->uid, 4321u);
  EXPECT_EQ(creds->gid, 4321u);
  EXPECT_EQ(creds->groups, std::vector<gid_t>{4321});

  creds = resolve_user("nobody:root", &error);
  ASSERT_TRUE(creds) << error;
  EXPECT_EQ(creds->uid, 65534u);
  EXPECT_EQ(creds->gid, 0u);
  EXPECT_EQ(creds->groups, std::vector<gid_t>{0});
}

TEST(UserSpec, Errors) {
  for (const char* bad : {"", ":", "root:", ":root", "no-such-user-x", "root:no-such-group-x", "4294967295"}) {
    std::string error;
    EXPECT_FALSE(resolve_user(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace defender::supervisor

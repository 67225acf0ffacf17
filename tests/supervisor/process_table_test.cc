#include "supervisor/process_table.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace defender::supervisor {
namespace {

TEST(ProcessTable, FindsChildrenAndGrandchildren) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (fork() == 0) {
      pause();
      _exit(0);
    }
    pause();
    _exit(0);
  }
  usleep(100000);
  const auto table = ProcessTable::snapshot();
  const auto mine = table.descendants_of(getpid());
  EXPECT_NE(std::find(mine.begin(), mine.end(), child), mine.end());
  EXPECT_GE(mine.size(), 2u);
  EXPECT_EQ(table.parent_of(child), getpid());
  EXPECT_TRUE(is_live_descendant(child, getpid()));
  EXPECT_FALSE(is_live_descendant(getpid(), child));
  kill(-child, SIGKILL);
  for (const pid_t pid : mine) kill(pid, SIGKILL);
  waitpid(child, nullptr, 0);
}

TEST(ProcessTable, ReadsOwnEntries) {
  EXPECT_EQ(read_parent_pid(getpid()), getppid());
  EXPECT_EQ(read_exe(getpid()), std::filesystem::canonical("/proc/self/exe").string());
  EXPECT_FALSE(read_cmdline(getpid()).empty());
  EXPECT_EQ(read_tgid(getpid()), getpid());
  EXPECT_FALSE(read_exe(999999999).has_value());
  EXPECT_FALSE(read_parent_pid(999999999).has_value());
}

TEST(ProcessTable, TidiesKernelNames) {
  EXPECT_EQ(tidy_kernel_path("/memfd:x (deleted)"), "memfd:x");
  EXPECT_EQ(tidy_kernel_path("/a/b (deleted)"), "/a/b");
  EXPECT_EQ(tidy_kernel_path("/usr/bin/id"), "/usr/bin/id");
}

TEST(ProcessTable, OddProcRootIsEmptyNotACrash) {
  testing::TempDir dir;
  dir.write("123/stat", "garbage");
  dir.write("124/stat", "124 (a) b) c) S 1 2 3");
  dir.write("notapid/stat", "1 (x) S 1");
  const auto table = ProcessTable::snapshot(dir.path());
  EXPECT_FALSE(table.parent_of(123).has_value());
  EXPECT_EQ(table.parent_of(124), 1);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_TRUE(ProcessTable::snapshot(dir.path() + "/missing").pids().empty());
}

}  // namespace
}  // namespace defender::supervisor

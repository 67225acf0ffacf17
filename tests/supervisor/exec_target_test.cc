// resolve_exec_target against a real process (a paused child) whose cwd and fds we choose.
#include "supervisor/exec_target.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace defender::supervisor {
namespace {

class ExecTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() + "/sub");
    std::filesystem::create_symlink("/usr/bin/id", dir_.path() + "/abs-link");
    std::filesystem::create_symlink("sub/../abs-link", dir_.path() + "/rel-link");
    std::filesystem::create_symlink("loop-b", dir_.path() + "/loop-a");
    std::filesystem::create_symlink("loop-a", dir_.path() + "/loop-b");
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    child_ = fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      if (chdir((dir_.path() + "/sub").c_str()) != 0) _exit(1);
      const int d = open("/usr/bin", O_PATH | O_DIRECTORY);  // the lowest free fd
      const int m = memfd_create("payload", 0);
      char fds[2] = {static_cast<char>(d), static_cast<char>(m)};
      if (write(pipe_fds[1], fds, 2) != 2) _exit(1);
      pause();
      _exit(0);
    }
    char fds[2];
    ASSERT_EQ(read(pipe_fds[0], fds, 2), 2);
    dirfd_ = fds[0];
    memfd_ = fds[1];
    close(pipe_fds[0]);
    close(pipe_fds[1]);
  }
  void TearDown() override {
    kill(child_, SIGKILL);
    waitpid(child_, nullptr, 0);
  }
  ExecTarget resolve(const std::string& path, int dirfd = -100, bool empty = false) {
    ExecRequest request;
    request.tid = child_;
    request.path = path;
    request.dirfd = dirfd;
    request.empty_path = empty;
    return resolve_exec_target(request);
  }

  testing::TempDir dir_;
  pid_t child_ = -1;
  int dirfd_ = -1;
  int memfd_ = -1;
};

TEST_F(ExecTargetTest, Absolute) {
  EXPECT_EQ(resolve("/usr/bin/id").path, "/usr/bin/id");
  EXPECT_EQ(resolve("/usr/bin/../bin/./id").path, "/usr/bin/id");
  EXPECT_EQ(resolve("/../../usr/bin/id").path, "/usr/bin/id");
  if (std::filesystem::is_symlink("/bin")) {
    EXPECT_EQ(resolve("/bin/id").path, "/usr/bin/id");
  }
}

TEST_F(ExecTargetTest, RelativeToTheCallersCwd) {
  EXPECT_EQ(resolve("../abs-link").path, "/usr/bin/id");
  EXPECT_EQ(resolve("../rel-link").path, "/usr/bin/id");
}

TEST_F(ExecTargetTest, DirfdAndEmptyPath) {
  EXPECT_EQ(resolve("id", dirfd_).path, "/usr/bin/id");
  EXPECT_EQ(resolve("", memfd_, true).path, "memfd:payload");
  EXPECT_EQ(resolve("id", 999).error, EBADF);
}

TEST_F(ExecTargetTest, ProcSelfIsTheCaller) {
  const std::string caller_exe = std::filesystem::canonical("/proc/self/exe").string();  // forked: same image
  EXPECT_EQ(resolve("/proc/self/exe").path, caller_exe);
  EXPECT_EQ(resolve("/proc/thread-self/exe").path, caller_exe);
  EXPECT_EQ(resolve("/proc/self/fd/" + std::to_string(dirfd_) + "/id").path, "/usr/bin/id");
  EXPECT_EQ(resolve("/proc/" + std::to_string(child_) + "/cwd/../abs-link").path, "/usr/bin/id");
}

TEST_F(ExecTargetTest, Errors) {
  EXPECT_EQ(resolve("../loop-a").error, ELOOP);
  EXPECT_EQ(resolve("/no/such/file").error, ENOENT);
  EXPECT_EQ(resolve("").error, ENOENT);
  ExecRequest gone;
  gone.tid = 999999999;
  gone.path = "/usr/bin/id";
  EXPECT_NE(resolve_exec_target(gone).error, 0);
}

TEST(RemoteMemory, ReadsStringsAndArgvBounded) {
  const int mem = open("/proc/self/mem", O_RDONLY);
  ASSERT_GE(mem, 0);
  static const char text[] = "hello world";
  EXPECT_EQ(read_remote_string(mem, reinterpret_cast<std::uintptr_t>(text), 100), "hello world");
  EXPECT_FALSE(read_remote_string(mem, reinterpret_cast<std::uintptr_t>(text), 5).has_value());
  EXPECT_FALSE(read_remote_string(mem, 8, 100).has_value());  // unmapped
  const char* argv[] = {"a", "bb", "ccc", nullptr};
  EXPECT_EQ(read_remote_argv(mem, reinterpret_cast<std::uintptr_t>(argv), 8, 64, 100), "a bb ccc");
  EXPECT_EQ(read_remote_argv(mem, reinterpret_cast<std::uintptr_t>(argv), 8, 2, 100), "a bb");
  close(mem);
}

}  // namespace
}  // namespace defender::supervisor

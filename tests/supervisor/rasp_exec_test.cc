// Exec control through the real binary: a denied exec is refused with EACCES and a `process`
// event while allowed ones run, however the path is given (absolute, relative, symlink,
// execveat with a dirfd, AT_EMPTY_PATH, memfd, /proc/self/exe); alert mode lets it run with an
// event; an allowlist holds against a thread racing the path (Landlock). Plainly and in fresh
// namespaces (the defender as PID 1).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "tests/supervisor/rasp_fixture.h"

namespace defender::testing {
namespace {

enum class Where { plain, namespaces };

class RaspExec : public ::testing::TestWithParam<Where> {
 protected:
  void SetUp() override {
    std::string why;
    if (GetParam() == Where::namespaces && !namespaces_available(&why)) GTEST_SKIP() << "namespaces: " << why;
    probe_ = exec_probe();
  }

  std::string denylist(const std::string& action = "prevent") {
    return "version: 1\napp_id: exec-test\nprocesses:\n  default: allow\n  action: " + action +
           "\n  deny: [/usr/bin/id, \"**/forbidden\", \"memfd:*\", \"" + defender_bin() + "\"]\n";
  }
  std::string allowlist() {
    const std::string probe_dir = std::filesystem::path(probe_).parent_path().string();
    return "version: 1\napp_id: exec-test\nprocesses:\n  default: deny\n  allow: [\"" + probe_dir +
           "/**\", /usr/bin/true, /usr/bin/dash, /usr/bin/sh]\n";
  }

  RunResult run_app(const std::string& policy, const std::vector<std::string>& app,
                    const std::vector<std::string>& extra = {}) {
    const std::string policy_path = data_.write("policy.yaml", policy);
    std::vector<std::string> flags{"--policy", policy_path};
    flags.insert(flags.end(), extra.begin(), extra.end());
    const auto argv = rasp_argv(app, flags);
    return run(GetParam() == Where::plain ? argv : in_namespaces("exec " + sh_join(argv)), 60s, "",
               {"DATA_FOLDER=" + data_.path()});
  }
  std::vector<nlohmann::json> events() { return read_events(data_.path() + "/events.jsonl"); }

  // The exec was refused: the probe saw EACCES and a prevent event names the real target.
  void expect_refused(const RunResult& result, const std::string& target) {
    EXPECT_EQ(result.status, 126) << result.out << result.err;
    EXPECT_NE(result.out.find("EACCES"), std::string::npos) << result.out << result.err;
    const auto found = process_events(events(), target);
    ASSERT_FALSE(found.empty()) << "no process event for " << target;
    const auto& event = found.back();
    EXPECT_EQ(event.value("action", ""), "prevent");
    EXPECT_EQ(event.value("app_id", ""), "exec-test");
    EXPECT_GT(event.value("pid", 0), 0);
    EXPECT_GT(event.value("ppid", -1), -1);
    EXPECT_TRUE(event.contains("cmdline"));
    EXPECT_FALSE(event.value("rule", "").empty());
  }

  TempDir data_;
  std::string probe_;
};

TEST_P(RaspExec, DeniedAbsolutePathRefusedAllowedRuns) {
  expect_refused(run_app(denylist(), {probe_, "execve", "/usr/bin/id"}), "/usr/bin/id");
  EXPECT_EQ(process_events(events(), "/usr/bin/id").back().value("rule", ""), "processes.deny[0]");
  const RunResult allowed = run_app(denylist(), {probe_, "execve", "/usr/bin/true"});
  EXPECT_EQ(allowed.status, 0) << allowed.out << allowed.err;
}

TEST_P(RaspExec, DeniedForAnAppOfAnotherUserWithoutPtraceCapability) {
  // podman grants no CAP_SYS_PTRACE: the defender must still read an app user's exec path
  // (found by the podman end-to-end test: the denied exec ran). setpriv drops the capability
  // from the bounding set, so the root defender runs without it.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop the app to another user";
  const std::string policy_path = data_.write("policy.yaml", denylist());
  auto as_nobody_without_ptrace = [&](const std::string& target) {
    auto argv = rasp_argv({probe_, "execve", target}, {"--policy", policy_path, "--user", "nobody"});
    argv.insert(argv.begin(), {"setpriv", "--bounding-set=-sys_ptrace", "--"});
    return run(GetParam() == Where::plain ? argv : in_namespaces("exec " + sh_join(argv)), 60s, "",
               {"DATA_FOLDER=" + data_.path()});
  };
  expect_refused(as_nobody_without_ptrace("/usr/bin/id"), "/usr/bin/id");
  const RunResult allowed = as_nobody_without_ptrace("/usr/bin/true");
  EXPECT_EQ(allowed.status, 0) << allowed.out << allowed.err;
}

TEST_P(RaspExec, DeniedThroughMergedUsrAlias) {
  // /bin/id is /usr/bin/id (merged /usr): the policy sees the canonical path.
  if (!std::filesystem::exists("/bin/id")) GTEST_SKIP() << "no /bin/id";
  expect_refused(run_app(denylist(), {probe_, "execve", "/bin/id"}), "/usr/bin/id");
}

TEST_P(RaspExec, DeniedThroughRelativePath) {
  expect_refused(run_app(denylist(), {"sh", "-c", "cd /usr/bin && exec " + sh_quote(probe_) + " execve ./id"}),
                 "/usr/bin/id");
  expect_refused(run_app(denylist(), {"sh", "-c", "cd /usr/lib && exec " + sh_quote(probe_) + " execve ../bin/id"}),
                 "/usr/bin/id");
}

TEST_P(RaspExec, DeniedThroughSymlink) {
  const std::string link = data_.path() + "/innocent";
  std::filesystem::create_symlink("/usr/bin/id", link);
  expect_refused(run_app(denylist(), {probe_, "execve", link}), "/usr/bin/id");
  EXPECT_EQ(process_events(events(), "/usr/bin/id").back().value("requested", ""), link);
}

TEST_P(RaspExec, DeniedThroughExecveatDirfd) {
  expect_refused(run_app(denylist(), {probe_, "execveat", "/usr/bin", "id"}), "/usr/bin/id");
}

TEST_P(RaspExec, DeniedThroughEmptyPath) {
  expect_refused(run_app(denylist(), {probe_, "emptypath", "/usr/bin/id"}), "/usr/bin/id");
}

TEST_P(RaspExec, DeniedMemfd) {
  expect_refused(run_app(denylist(), {probe_, "memfd", "/usr/bin/true"}), "memfd:probe");
}

TEST_P(RaspExec, DeniedByBasenameGlob) {
  const std::string dir = data_.path() + "/bin";
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file("/usr/bin/true", dir + "/forbidden");
  expect_refused(run_app(denylist(), {probe_, "execve", dir + "/forbidden"}), dir + "/forbidden");
}

TEST_P(RaspExec, ProcSelfExeIsTheCallersNotTheDefenders) {
  // The defender's own binary is denied; /proc/self/exe of the probe is the probe.
  const RunResult result = run_app(denylist(), {probe_, "selfexe"});
  EXPECT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_EQ(result.out, "hello\n");
}

TEST_P(RaspExec, AlertModeLetsItRunWithAnEvent) {
  const RunResult result = run_app(denylist("alert"), {probe_, "execve", "/usr/bin/id", "-u"});
  EXPECT_EQ(result.status, 0) << result.out << result.err;
  const auto found = process_events(events(), "/usr/bin/id");
  ASSERT_FALSE(found.empty());
  EXPECT_EQ(found.back().value("action", ""), "alert");
}

TEST_P(RaspExec, GrandchildrenAreCovered) {
  const RunResult result =
      run_app(denylist(), {"sh", "-c", "sh -c " + sh_quote(sh_quote(probe_) + " execve /usr/bin/id") + "; echo rc=$?"});
  EXPECT_NE(result.out.find("EACCES"), std::string::npos) << result.out << result.err;
  EXPECT_FALSE(process_events(events(), "/usr/bin/id").empty());
}

TEST_P(RaspExec, AllowlistRefusesTheRestAndLandlockHoldsAgainstARace) {
  const std::string denied_dir = data_.path() + "/elsewhere";
  std::filesystem::create_directories(denied_dir);
  const std::string denied = denied_dir + "/probe-copy";
  std::filesystem::copy_file(probe_, denied);
  ::chmod(denied.c_str(), 0755);

  // Plain refusal first.
  RunResult result = run_app(allowlist(), {probe_, "execve", denied, "hello"});
  EXPECT_EQ(result.status, 126) << result.out << result.err;
  auto started = events().front();
  EXPECT_EQ(started.value("landlock", "").rfind("on", 0), 0u) << started.dump();

  // A thread flips the exec path between an allowed and a denied binary while the main
  // thread execs it: the seccomp check may be raced, Landlock may not.
  const std::string marks = data_.path() + "/marks";
  result = run_app(allowlist(), {probe_, "race", "/usr/bin/true", denied, marks, "300"});
  EXPECT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("ran_denied=0"), std::string::npos) << result.out;
}

// A process entered from outside (`docker exec`, here nsenter) is not the app's descendant and
// not under the seccomp filter: the periodic /proc scan finds it and applies the policy.
TEST(RaspScan, UnsupervisedProcessIsFoundAndKilled) {
  std::string why;
  if (!namespaces_available(&why)) GTEST_SKIP() << "namespaces: " << why;
  TempDir data;
  const std::string forbidden = data.path() + "/forbidden";
  std::filesystem::copy_file("/usr/bin/sleep", forbidden);
  const std::string policy =
      data.write("policy.yaml", "version: 1\napp_id: scan-test\nprocesses:\n  deny: [\"**/forbidden\"]\n");
  const auto argv = rasp_argv({"sh", "-c", "echo ready; exec sleep 30"}, {"--policy", policy, "--scan-interval-ms", "100"});
  Process rasp(in_namespaces("exec " + sh_join(argv)), {"DATA_FOLDER=" + data.path()});
  ASSERT_TRUE(rasp.wait_for_output("ready", 20s)) << rasp.err();
  const RunResult defender_pid = run({"pgrep", "-P", std::to_string(rasp.pid())}, 10s);
  ASSERT_EQ(defender_pid.status, 0);
  const std::string pid = defender_pid.out.substr(0, defender_pid.out.find('\n'));
  const RunResult entered = run({"nsenter", "-t", pid, "-p", "-m", "--", forbidden, "20"}, 30s);
  EXPECT_EQ(entered.status, 128 + SIGKILL) << entered.err;
  bool found = false;
  for (const auto& event : process_events(read_events(data.path() + "/events.jsonl"), forbidden)) {
    found = found || (event.value("action", "") == "prevent" &&
                      event.value("source", "").find("outside the app's tree") != std::string::npos);
  }
  EXPECT_TRUE(found) << read_file(data.path() + "/events.jsonl");
}

INSTANTIATE_TEST_SUITE_P(Where, RaspExec, ::testing::Values(Where::plain, Where::namespaces),
                         [](const auto& param_info) { return param_info.param == Where::plain ? "plain" : "namespaces"; });

}  // namespace
}  // namespace defender::testing

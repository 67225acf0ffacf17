// `defender rasp` as PID 1, through the real binary: exit statuses, death by signal, signals
// forwarded, orphans reaped, the grace period, --user. Each test runs twice: plainly (the
// defender is a child subreaper) and in fresh mount/PID/net namespaces (the defender is PID 1).
#include <signal.h>

#include <gtest/gtest.h>

#include "tests/supervisor/rasp_fixture.h"

namespace defender::testing {
namespace {

enum class Where { plain, namespaces };

class RaspPid1 : public ::testing::TestWithParam<Where> {
 protected:
  void SetUp() override {
    std::string why;
    if (GetParam() == Where::namespaces && !namespaces_available(&why)) GTEST_SKIP() << "namespaces: " << why;
  }
  std::vector<std::string> command(const std::vector<std::string>& app, const std::vector<std::string>& extra = {}) {
    const auto argv = rasp_argv(app, extra);
    if (GetParam() == Where::plain) return argv;
    return in_namespaces("exec " + sh_join(argv));
  }
  std::vector<std::string> env() const { return {"DATA_FOLDER=" + data_.path()}; }
  RunResult run_app(const std::vector<std::string>& app, const std::vector<std::string>& extra = {}) {
    return run(command(app, extra), 30s, "", env());
  }
  TempDir data_;
};

TEST_P(RaspPid1, ExitsWithTheAppsStatus) {
  for (const int code : {0, 1, 2, 3, 42, 126, 127, 128, 200, 254, 255}) {
    const RunResult result = run_app({"sh", "-c", "exit " + std::to_string(code)});
    EXPECT_EQ(result.status, code) << result.err;
  }
}

TEST_P(RaspPid1, DeathBySignalIs128PlusN) {
  EXPECT_EQ(run_app({"sh", "-c", "kill -KILL $$"}).status, 128 + SIGKILL);
  EXPECT_EQ(run_app({"sh", "-c", "kill -TERM $$"}).status, 128 + SIGTERM);
  EXPECT_EQ(run_app({"sh", "-c", "kill -SEGV $$"}).status, 128 + SIGSEGV);
}

TEST_P(RaspPid1, PathLookupAndNoDoubleDash) {
  // `defender rasp CMD` without `--`; the app's own flags are not the defender's.
  const std::vector<std::string> argv{defender_bin(), "rasp", "--no-dns", "--no-cnaf", "--metrics-listen", "",
                                      "sh", "-c", "echo app-ran \"$0\" --user", "x"};
  const RunResult result = run(GetParam() == Where::plain ? argv : in_namespaces("exec " + sh_join(argv)), 30s, "", env());
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("app-ran x --user"), std::string::npos) << result.out;
}

TEST_P(RaspPid1, UnknownCommandIs127) {
  const RunResult result = run_app({"no-such-command-anywhere"});
  EXPECT_EQ(result.status, 127);
  EXPECT_NE(result.err.find("execve: No such file or directory"), std::string::npos) << result.err;
}

TEST_P(RaspPid1, SigtermIsForwardedAndTheExitIsPrompt) {
  Process process(command({"sh", "-c", "trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.05; done"}),
                  env());
  ASSERT_TRUE(process.wait_for_output("ready", 20s)) << process.err();
  if (GetParam() == Where::plain) {
    process.signal(SIGTERM);
  } else {
    // unshare does not forward signals: signal the defender (PID 1 inside) from outside.
    run({"pkill", "-TERM", "-P", std::to_string(process.pid())}, 5s);
  }
  const auto status = process.wait(10s);
  ASSERT_TRUE(status.has_value()) << "still running after SIGTERM";
  EXPECT_EQ(*status, 42);
  EXPECT_NE(process.out().find("got-term"), std::string::npos) << process.out() << process.err();
}

TEST_P(RaspPid1, OtherSignalsAreForwarded) {
  Process process(command({"sh", "-c",
                           "trap 'echo got-usr1' USR1; trap 'echo got-hup' HUP; trap 'exit 0' TERM; echo ready; "
                           "while :; do sleep 0.05; done"}),
                  env());
  ASSERT_TRUE(process.wait_for_output("ready", 20s)) << process.err();
  if (GetParam() == Where::namespaces) GTEST_SKIP() << "covered plainly (unshare does not forward signals)";
  process.signal(SIGUSR1);
  ASSERT_TRUE(process.wait_for_output("got-usr1", 10s));
  process.signal(SIGHUP);
  ASSERT_TRUE(process.wait_for_output("got-hup", 10s));
  process.signal(SIGTERM);
  EXPECT_EQ(process.wait(10s), 0);
}

TEST_P(RaspPid1, OrphansAreReaped) {
  // Double-forked children are reparented to the defender; it must reap them: after they
  // ended, nothing under the defender is a zombie.
  const RunResult result = run_app(
      {"sh", "-c",
       "for i in 1 2 3 4 5; do (sleep 0.1 &); done; sleep 1; ps -o stat=,pid=,comm= --ppid $PPID; echo done"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("done"), std::string::npos);
  EXPECT_EQ(result.out.find("Z"), std::string::npos) << "zombies left:\n" << result.out;
}

TEST_P(RaspPid1, LeftoversGetTermThenKillAfterGrace) {
  // The app exits, leaving a child that ignores SIGTERM: SIGKILL after --grace-ms, and the
  // app's status is what the defender exits with. The app waits (bounded) until that child
  // has installed its trap: otherwise, on a loaded machine, the defender's SIGTERM can arrive
  // first and leave nothing to wait for.
  const RunResult result = run_app(
      {"sh", "-c",
       "d=$(mktemp -d); (trap '' TERM; : > \"$d/ready\"; exec sleep 60) & (exec sleep 60) & "
       "for i in $(seq 500); do [ -e \"$d/ready\" ] && break; sleep 0.01; done; rm -rf \"$d\"; exit 5"},
      {"--grace-ms", "300"});
  EXPECT_EQ(result.status, 5) << result.err;
  EXPECT_NE(result.err.find("grace period over"), std::string::npos) << result.err;
}

TEST_P(RaspPid1, UserDrop) {
  RunResult result = run_app({"sh", "-c", "id -u; echo $HOME"}, {"--user", "nobody"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "65534\n/nonexistent\n");
  result = run_app({"sh", "-c", "echo $(id -u):$(id -g):$(id -G)"}, {"--user", "4321:4322"});
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "4321:4322:4322\n");
  result = run_app({"true"}, {"--user", "no-such-user-here"});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("unknown user"), std::string::npos) << result.err;
}

TEST_P(RaspPid1, StartupEventListsTheControls) {
  const RunResult result = run_app({"true"});
  ASSERT_EQ(result.status, 0) << result.err;
  const auto events = read_events(data_.path() + "/events.jsonl");
  ASSERT_FALSE(events.empty());
  const auto& started = events.front();
  EXPECT_EQ(started.value("type", ""), "system");
  for (const char* control : {"seccomp_notify", "landlock", "netlink_connector", "dns", "resolv_conf", "cnaf"}) {
    EXPECT_TRUE(started.contains(control)) << control << " missing in " << started.dump();
  }
  EXPECT_EQ(started.value("seccomp_notify", "").rfind("on", 0), 0u) << started.dump();
  if (GetParam() == Where::namespaces) {
    EXPECT_EQ(started.value("netlink_connector", "").rfind("off", 0), 0u) << started.dump();
  }
}

TEST_P(RaspPid1, BadUsage) {
  EXPECT_EQ(run({defender_bin(), "rasp"}, 10s, "", env()).status, 2);
  EXPECT_EQ(run({defender_bin(), "rasp", "true"}, 10s, "", {"DEFENDER_TYPE=console"}).status, 2);
}

TEST(RaspTerminal, TheAppGetsTheForegroundOfTheTerminal) {
  // script(1) gives the defender a pseudo-terminal as its controlling terminal.
  TempDir data;
  const auto argv = rasp_argv({"sh", "-c", "echo \"pgid=$(ps -o pgid= -p $$ | tr -d ' ') tpgid=$(ps -o tpgid= -p $$ | tr -d ' ')\""});
  const RunResult result = run({"script", "-qec", sh_join(argv), "/dev/null"}, 30s, "", {"DATA_FOLDER=" + data.path()});
  ASSERT_EQ(result.status, 0) << result.out << result.err;
  const auto pgid = result.out.find("pgid=");
  const auto tpgid = result.out.find("tpgid=");
  ASSERT_NE(pgid, std::string::npos) << result.out;
  ASSERT_NE(tpgid, std::string::npos) << result.out;
  const std::string own = result.out.substr(pgid + 5, result.out.find(' ', pgid) - pgid - 5);
  const std::string foreground = result.out.substr(tpgid + 6, result.out.find_first_of("\r\n", tpgid) - tpgid - 6);
  EXPECT_EQ(own, foreground) << result.out;
}

TEST(RaspSignalGroup, SignalsReachTheWholeProcessGroup) {
  // The app (sh) ignores SIGTERM; only its child handles it. With -g the child gets it.
  TempDir data;
  Process process(rasp_argv({"sh", "-c",
                             "trap '' TERM; (trap 'echo child-got-term; exit 0' TERM; echo ready; "
                             "while :; do sleep 0.05; done); echo parent-done"},
                            {"--signal-group"}),
                  {"DATA_FOLDER=" + data.path()});
  ASSERT_TRUE(process.wait_for_output("ready", 20s)) << process.err();
  process.signal(SIGTERM);
  EXPECT_EQ(process.wait(10s), 0);
  EXPECT_NE(process.out().find("child-got-term"), std::string::npos) << process.out();
  EXPECT_NE(process.out().find("parent-done"), std::string::npos) << process.out();
}

INSTANTIATE_TEST_SUITE_P(Where, RaspPid1, ::testing::Values(Where::plain, Where::namespaces),
                         [](const auto& param_info) { return param_info.param == Where::plain ? "plain" : "namespaces"; });

}  // namespace
}  // namespace defender::testing

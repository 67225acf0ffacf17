// The same checks in a podman container (PLATFORM.md: runc, explicit ulimits, images only
// from `podman import` of a rootfs): a busybox-static rootfs, the host's /usr/lib mounted
// read-only so that the dynamic defender runs, /etc/resolv.conf a bind mount as in any
// container. The defender is PID 1. Skips, saying why, when podman cannot run here.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include <gtest/gtest.h>

#include "tests/supervisor/rasp_fixture.h"
#include "tests/supervisor/scripted_app.h"

namespace defender::testing {
namespace {

constexpr const char* kImage = "localhost/defender-rasp-test:latest";

class RaspPodman : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) {
      skip_ = "not root";
      return;
    }
    if (run({"podman", "--version"}, 20s).status != 0) {
      skip_ = "podman is not installed";
      return;
    }
    if (!std::filesystem::exists("/bin/busybox")) {
      skip_ = "/bin/busybox missing (Debian busybox-static, scripts/setup.sh test list)";
      return;
    }
    // A busybox rootfs: /lib and /lib64 point into /usr, mounted from the host at run time.
    TempDir build;
    const std::string root = build.path() + "/rootfs";
    std::string script = "set -e; mkdir -p " + root + "/bin " + root + "/usr/lib " + root + "/usr/lib64 " + root +
                         "/etc " + root + "/tmp " + root + "/rasp " + root + "/data; cp /bin/busybox " + root +
                         "/bin/; for a in $(/bin/busybox --list); do [ $a = busybox ] || ln -sf busybox " + root +
                         "/bin/$a; done; ln -sfn usr/lib " + root + "/lib; ln -sfn usr/lib64 " + root +
                         "/lib64; echo 'nameserver 127.0.0.2' > " + root + "/etc/resolv.conf; tar -C " + root +
                         " -cf " + build.path() + "/rootfs.tar .; podman import -q " + build.path() +
                         "/rootfs.tar " + kImage;
    const RunResult made = run({"sh", "-c", script}, 120s);
    if (made.status != 0) {
      skip_ = "cannot build the image: " + made.err;
      return;
    }
    const RunResult probe = run({"podman", "run", "--rm", "--runtime", "runc", "--ulimit", "nofile=20000:20000",
                                 "--ulimit", "nproc=32768:32768", "--network", "none", kImage, "/bin/true"},
                                120s);
    if (probe.status != 0) skip_ = "podman cannot run a container here: " + probe.err;
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << "SKIPPED, podman: " << skip_;
    resolv_ = data_.write("resolv.conf", "search corp.example\nnameserver 127.0.0.2\n");
    policy_ = data_.write("policy.yaml",
                          "version: 1\napp_id: podman-test\n"
                          "processes:\n  deny: [\"**/forbidden\"]\n"
                          "network:\n  deny: [blocked.test]\n"
                          "dns:\n  listen: 127.0.0.1:53\n  timeout_ms: 500\n"
                          "cnaf:\n  listen: 127.0.0.1:8080\n  upstream: 127.0.0.1:8081\n"
                          "metrics:\n  listen: \"\"\n");
    ::chmod(data_.path().c_str(), 0777);
  }

  std::vector<std::string> podman(const std::vector<std::string>& app, const std::vector<std::string>& flags = {},
                                  const std::vector<std::string>& podman_flags = {},
                                  const std::string& resolv_mode = "rw") {
    std::vector<std::string> argv{"podman", "run", "--runtime", "runc", "--ulimit", "nofile=20000:20000",
                                  "--ulimit", "nproc=32768:32768", "--network", "none",
                                  "-v", "/usr/lib:/usr/lib:ro", "-v", "/usr/lib64:/usr/lib64:ro",
                                  "-v", defender_bin() + ":/rasp/defender:ro",
                                  "-v", data_.path() + ":/data",
                                  "-v", resolv_ + ":/etc/resolv.conf:" + resolv_mode,
                                  "-e", "PATH=/bin", "-e", "DEFENDER_TYPE=rasp", "-e", "DATA_FOLDER=/data",
                                  "-e", "DEFENDER_POLICY=/data/policy.yaml", "-e", "RASP_DEFENDER_ID=podman-test"};
    argv.insert(argv.end(), podman_flags.begin(), podman_flags.end());
    if (std::find(podman_flags.begin(), podman_flags.end(), "-d") == podman_flags.end()) argv.push_back("--rm");
    argv.push_back(kImage);
    argv.insert(argv.end(), {"/rasp/defender", "rasp"});
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.push_back("--");
    argv.insert(argv.end(), app.begin(), app.end());
    return argv;
  }
  std::vector<nlohmann::json> events() { return read_events(data_.path() + "/events.jsonl"); }

  static std::string skip_;
  TempDir data_;
  std::string resolv_;
  std::string policy_;
};

std::string RaspPodman::skip_;

TEST_F(RaspPodman, ExitStatusesAndSignals) {
  EXPECT_EQ(run(podman({"sh", "-c", "exit 42"}), 120s).status, 42);
  EXPECT_EQ(run(podman({"sh", "-c", "kill -KILL $$"}), 120s).status, 137);
}

TEST_F(RaspPodman, DeniedExecRefusedAllowedRuns) {
  const RunResult result = run(podman({"sh", "-c", "cp /bin/busybox /tmp/forbidden; /tmp/forbidden true; echo rc=$?; id -u"}), 120s);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("rc=126"), std::string::npos) << result.out << result.err;
  EXPECT_NE(result.out.find("\n0\n"), std::string::npos) << result.out;
  EXPECT_FALSE(process_events(events(), "/tmp/forbidden").empty());
  const auto started = events().front();
  EXPECT_EQ(started.value("seccomp_notify", "").rfind("on", 0), 0u) << started.dump();
  EXPECT_EQ(started.value("netlink_connector", "").rfind("off", 0), 0u) << started.dump();
  EXPECT_EQ(started.value("app_id", ""), "podman-test");
}

TEST_F(RaspPodman, DnsThroughTheBindMountedResolvConfRestored) {
  const RunResult result =
      run(podman({"sh", "-c", "cat /etc/resolv.conf; nslookup blocked.test. 127.0.0.1; echo done"}), 120s);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("nameserver 127.0.0.1"), std::string::npos) << result.out << result.err;
  EXPECT_NE(result.out.find("search corp.example"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("NXDOMAIN"), std::string::npos) << result.out;
  EXPECT_EQ(read_file(resolv_), "search corp.example\nnameserver 127.0.0.2\n");
}

TEST_F(RaspPodman, ReadOnlyResolvConfIsReported) {
  const RunResult result = run(podman({"cat", "/etc/resolv.conf"}, {}, {}, "ro"), 120s);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(events().front().value("resolv_conf", "").find("Read-only file system"), std::string::npos)
      << events().front().dump();
}

TEST_F(RaspPodman, UserDrop) {
  const RunResult result = run(podman({"id", "-u"}, {"--user", "65534"}), 120s);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "65534\n");
}

TEST_F(RaspPodman, PodmanStopIsForwarded) {
  const std::string name = "defender-rasp-test-" + std::to_string(::getpid());
  const RunResult started =
      run(podman({"sh", "-c", "trap 'exit 42' TERM; : > /data/trapped; while :; do sleep 0.05; done"}, {},
                 {"-d", "--name", name}),
          120s);
  ASSERT_EQ(started.status, 0) << started.err;
  // Stop once the shell has set its trap: a TERM before that kills it (143), which would say
  // nothing about forwarding. Bounded: 20 s.
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(data_.path() + "/trapped"); }, 20s))
      << "the app never set its trap";
  const RunResult stopped = run({"podman", "stop", "-t", "20", name}, 120s);
  EXPECT_EQ(stopped.status, 0) << stopped.err;
  const RunResult waited = run({"podman", "wait", name}, 60s);
  EXPECT_EQ(waited.out, "42\n") << waited.err;
  run({"podman", "rm", "-f", name}, 60s);
}

}  // namespace
}  // namespace defender::testing

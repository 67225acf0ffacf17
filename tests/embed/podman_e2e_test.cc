// End to end with real containers: a busybox image imported with `podman import`, an app
// Dockerfile embedded with `defender embed`, built offline with `buildah bud --pull=never`
// and run with podman. Shows, from inside the container and over its loopback only: the app
// serves through CNAF (and an attack is refused), a denied exec is refused, a denied name
// gets NXDOMAIN, the app runs as the Dockerfile's USER, and `podman stop` with a 2 s timeout
// ends the container by its stop signal (not by the SIGKILL that follows the timeout).
// Skips, saying why, only when podman or buildah cannot run here.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "embed/bundle.h"
#include "tests/embed/embed_support.h"
#include "tests/support/test_support.h"

namespace defender::embed {
namespace {

namespace fs = std::filesystem;
using defender::testing::RunResult;
using defender::testing::TempDir;
using namespace std::chrono_literals;

const std::vector<std::string> kRunFlags = {"--runtime", "runc", "--ulimit", "nofile=20000:20000",
                                            "--ulimit", "nproc=32768:32768"};

RunResult podman(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
  args.insert(args.begin(), "podman");
  return defender::testing::run(args, timeout);
}

// Polls `podman exec` until `check` accepts its result (bounded).
template <typename Check>
RunResult exec_until(const std::string& container, const std::vector<std::string>& argv, Check check,
                     int attempts = 60) {
  RunResult last;
  for (int i = 0; i < attempts; ++i) {
    std::vector<std::string> args = {"exec", container};
    args.insert(args.end(), argv.begin(), argv.end());
    last = podman(args, 20s);
    if (check(last)) return last;
    std::this_thread::sleep_for(250ms);
  }
  return last;
}

void write_file(const std::string& path, const std::string& text, fs::perms mode = fs::perms(0644)) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
  fs::permissions(path, mode);
}

// Removes what the test created, whatever happens.
struct Cleanup {
  std::string container;
  std::vector<std::string> images;
  ~Cleanup() {
    if (!container.empty()) podman({"rm", "-f", "-t", "0", container});
    for (const auto& image : images) podman({"rmi", "-f", image});
  }
};

TEST(PodmanEndToEnd, EmbeddedImageIsProtected) {
  for (const char* tool : {"podman", "buildah"}) {
    if (!testing::have_program(tool)) GTEST_SKIP() << tool << " is not installed (scripts/setup.sh installs it)";
  }
  const RunResult info = podman({"info", "--format", "{{.Host.OCIRuntime.Name}}"}, 60s);
  if (info.status != 0) GTEST_SKIP() << "podman cannot run here: " << info.err;
  const std::string defender_static = testing::static_defender();
  if (defender_static.empty()) {
    bool expected = false;
    const std::string why = testing::static_defender_missing(expected);
    if (expected) FAIL() << why;
    GTEST_SKIP() << why;
  }
  const std::string busybox = "/bin/busybox";
  const auto busybox_static = is_static_elf(busybox);
  ASSERT_TRUE(busybox_static && *busybox_static) << "needs busybox-static (scripts/setup.sh installs it)";

  TempDir dir;
  const std::string tag = std::to_string(::getpid());
  Cleanup cleanup;
  const std::string base_image = "localhost/defender-embed-e2e-base-" + tag + ":latest";
  const std::string app_image = "localhost/defender-embed-e2e-app-" + tag + ":latest";
  cleanup.images = {app_image, base_image};

  // 1. A busybox base image: a rootfs tarball imported with podman (no registry needed).
  const std::string rootfs = dir.path() + "/rootfs";
  fs::create_directories(rootfs + "/bin");
  fs::copy_file(busybox, rootfs + "/bin/busybox");
  fs::permissions(rootfs + "/bin/busybox", fs::perms(0755));
  const RunResult applets = defender::testing::run({busybox, "--list"});
  ASSERT_EQ(applets.status, 0);
  std::istringstream names(applets.out);
  for (std::string name; std::getline(names, name);) {
    if (!name.empty() && name != "busybox") fs::create_symlink("busybox", rootfs + "/bin/" + name);
  }
  write_file(rootfs + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/tmp:/bin/sh\n");
  write_file(rootfs + "/etc/group", "root:x:0:\napp:x:1000:\n");
  fs::create_directories(rootfs + "/tmp");
  fs::permissions(rootfs + "/tmp", fs::perms(01777));
  const std::string tarball = dir.path() + "/rootfs.tar";
  ASSERT_EQ(defender::testing::run({"tar", "-C", rootfs, "-cf", tarball, "."}).status, 0);
  const RunResult imported = podman({"import", tarball, base_image}, 120s);
  ASSERT_EQ(imported.status, 0) << imported.err;

  // 2. The app's build context: a static site served by busybox httpd as USER app, a startup
  //    script that tries a denied program and resolves a denied name first.
  const std::string ctx = dir.path() + "/ctx";
  write_file(ctx + "/Dockerfile",
             "FROM " + base_image + "\n"
             "COPY www/ /www/\n"
             "COPY app.sh /app.sh\n"
             "COPY forbidden /usr/local/bin/forbidden\n"
             "USER app\n"
             "EXPOSE 8081\n"
             "ENTRYPOINT [\"/bin/sh\", \"/app.sh\"]\n");
  write_file(ctx + "/www/index.html", "hello from the app\n");
  write_file(ctx + "/forbidden", "#!/bin/sh\necho ran\n", fs::perms(0755));
  write_file(ctx + "/app.sh",
             "#!/bin/sh\n"
             "/usr/local/bin/forbidden > /tmp/exec.out 2>&1; echo \"status=$?\" >> /tmp/exec.out\n"
             "nslookup evil.example > /tmp/dns.out 2>&1; echo \"status=$?\" >> /tmp/dns.out\n"
             "exec httpd -f -p 127.0.0.1:8081 -h /www\n");
  write_file(ctx + "/policy.yaml",
             "version: 1\napp_id: e2e\nmode: prevent\n"
             "processes:\n  deny: [/usr/local/bin/forbidden]\n"
             "network:\n  deny: [evil.example]\n"
             "cnaf:\n  listen: 0.0.0.0:8080\n  upstream: 127.0.0.1:8081\n"
             "supervisor:\n  grace_ms: 1000\n"
             "metrics:\n  listen: \"\"\n");
  const std::string original = defender::testing::read_file(ctx + "/Dockerfile");

  // 3. The bundle, unpacked next to (a copy of) the build context.
  const std::string bundle = dir.path() + "/bundle";
  const RunResult embedded = defender::testing::run(
      {defender::testing::defender_bin(), "embed", "--app-id", "e2e", "--policy", ctx + "/policy.yaml",
       "--defender-binary", defender_static, "--output-dir", bundle, ctx + "/Dockerfile"});
  ASSERT_EQ(embedded.status, 0) << embedded.err;
  EXPECT_EQ(defender::testing::read_file(ctx + "/Dockerfile"), original);
  for (const char* item : {"www", "app.sh", "forbidden"}) {
    fs::copy(ctx + "/" + item, bundle + "/" + item, fs::copy_options::recursive);
  }

  // 4. Build offline and run.
  const RunResult built = defender::testing::run(
      {"buildah", "bud", "--pull=never", "--runtime", "runc", "-q", "-t", app_image, bundle}, 300s);
  ASSERT_EQ(built.status, 0) << built.out << built.err;
  cleanup.container = "defender-embed-e2e-" + tag;
  std::vector<std::string> run_args = {"run", "-d", "--name", cleanup.container};
  run_args.insert(run_args.end(), kRunFlags.begin(), kRunFlags.end());
  run_args.push_back(app_image);
  const RunResult started = podman(run_args, 120s);
  ASSERT_EQ(started.status, 0) << started.err;
  auto logs = [&] { return podman({"logs", cleanup.container}).err + podman({"logs", cleanup.container}).out; };

  // The app serves through CNAF (port 8080 -> the app on 127.0.0.1:8081).
  const RunResult page = exec_until(cleanup.container, {"wget", "-q", "-O", "-", "http://127.0.0.1:8080/"},
                                    [](const RunResult& r) { return r.status == 0; });
  EXPECT_EQ(page.status, 0) << page.err << "\n" << logs();
  EXPECT_EQ(page.out, "hello from the app\n");
  const RunResult attack = podman({"exec", cleanup.container, "wget", "-q", "-O", "-",
                                   "http://127.0.0.1:8080/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"});
  EXPECT_NE(attack.status, 0) << attack.out;
  EXPECT_NE(attack.err.find("403"), std::string::npos) << attack.err;
  EXPECT_EQ(attack.out.find("hello from the app"), std::string::npos);

  // The denied exec was refused; the denied name got NXDOMAIN.
  const RunResult exec_out = exec_until(cleanup.container, {"cat", "/tmp/exec.out"},
                                        [](const RunResult& r) { return r.out.find("status=") != std::string::npos; });
  EXPECT_EQ(exec_out.out.find("ran\n"), std::string::npos) << exec_out.out;
  EXPECT_EQ(exec_out.out.find("status=0"), std::string::npos) << exec_out.out;
  const RunResult dns_out = exec_until(cleanup.container, {"cat", "/tmp/dns.out"},
                                       [](const RunResult& r) { return r.out.find("status=") != std::string::npos; });
  EXPECT_NE(dns_out.out.find("NXDOMAIN"), std::string::npos) << dns_out.out << "\n" << logs();

  // The app runs as the Dockerfile's USER; the defender (PID 1) as root.
  const RunResult ps = podman({"exec", cleanup.container, "ps", "-o", "pid,user,comm"});
  EXPECT_TRUE(std::regex_search(ps.out, std::regex("\\bapp\\s+httpd"))) << ps.out;
  EXPECT_TRUE(std::regex_search(ps.out, std::regex("\\b1\\s+root\\s+"))) << ps.out;

  // Events in the data folder.
  const RunResult events = podman({"exec", cleanup.container, "cat", "/rasp/events.jsonl"});
  EXPECT_NE(events.out.find("/usr/local/bin/forbidden"), std::string::npos) << events.out << events.err;
  EXPECT_NE(events.out.find("evil.example"), std::string::npos) << events.out;

  // podman stop: the stop signal ends it within the 2 s timeout (137 would be the SIGKILL).
  const RunResult stopped = podman({"stop", "-t", "2", cleanup.container}, 60s);
  EXPECT_EQ(stopped.status, 0) << stopped.err;
  const RunResult state = podman({"inspect", "--format", "{{.State.ExitCode}}", cleanup.container});
  EXPECT_NE(state.out, "137\n") << "killed after the timeout instead of stopping\n" << logs();
  std::cerr << "container logs:\n" << logs() << "\nexit code " << state.out;
}

}  // namespace
}  // namespace defender::embed

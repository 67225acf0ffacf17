// `defender embed` through the real binary: review output, the ZIP and folder bundles, a bad
// policy (exit 2, FILE:LINE:COL), a bad Dockerfile (exit 1, FILE:LINE), a missing
// --entrypoint (exit 2, says which flag), a dynamic binary refused, the original Dockerfile
// never modified, files the policy refers to carried along, the console's install bundle in
// the image's environment.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "embed/bundle.h"
#include "tests/embed/embed_support.h"
#include "tests/support/test_support.h"

namespace defender::embed {
namespace {

using defender::testing::read_file;
using defender::testing::run;
using defender::testing::TempDir;

const char* kNodeDockerfile =
    "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nUSER node\nCMD [\"node\", \"server.js\"]\n";

std::string good_policy(const TempDir& dir) {
  return dir.write("policy.yaml", "version: 1\napp_id: shop\nprocesses:\n  deny: [/usr/bin/nc]\n");
}

TEST(CmdEmbed, PrintShowsTheRewriteAndLeavesTheOriginalAlone) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", kNodeDockerfile);
  const auto result = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--policy",
                           good_policy(dir), "--entrypoint", "[\"docker-entrypoint.sh\"]", "--print",
                           dockerfile});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("ENTRYPOINT [\"/rasp/defender\",\"rasp\",\"--user\",\"node\",\"--\","
                            "\"docker-entrypoint.sh\",\"node\",\"server.js\"]"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("\n# CMD [\"node\", \"server.js\"]"), std::string::npos);
  EXPECT_EQ(read_file(dockerfile), kNodeDockerfile);
}

TEST(CmdEmbed, InstallBundleGoesIntoTheEnvironment) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", "FROM scratch\nENTRYPOINT [\"/app\"]\n");
  const std::string bundle = "eyJ3c19hZGRyZXNzIjoid3NzOi8vYzo4MDg0In0=";  // any base64 text
  const auto result = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--console",
                           "wss://console.local:8084", "--install-bundle", bundle, "--print", dockerfile});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("ENV DEFENDER_TYPE=rasp RASP_DEFENDER_ID=shop DATA_FOLDER=/rasp/ "
                            "WS_ADDRESS=wss://console.local:8084 INSTALL_BUNDLE=" + bundle + "\n"),
            std::string::npos)
      << result.out;
  // The bundle alone (the defender then takes the console's address from it).
  const auto alone = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--install-bundle", bundle,
                          "--print", dockerfile});
  ASSERT_EQ(alone.status, 0) << alone.err;
  EXPECT_NE(alone.out.find("DATA_FOLDER=/rasp/ INSTALL_BUNDLE=" + bundle + "\n"), std::string::npos) << alone.out;
}

TEST(CmdEmbed, DefaultPolicyIsTheProjects) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", "FROM scratch\nENTRYPOINT [\"/app\"]\n");
  const auto result = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--print", dockerfile});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("ENTRYPOINT [\"/rasp/defender\",\"rasp\",\"--\",\"/app\"]"), std::string::npos);
}

TEST(CmdEmbed, BadPolicyStopsWithFileLineColumn) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", "FROM scratch\nENTRYPOINT [\"/app\"]\n");
  const std::string policy = dir.write("bad.yaml", "version: 1\nmode: sometimes\nprocesses:\n  dflt: allow\n");
  const auto result = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--policy", policy,
                           "--output", dir.path() + "/out.zip", dockerfile});
  EXPECT_EQ(result.status, 2) << result.err;
  EXPECT_TRUE(std::regex_search(result.err, std::regex("bad\\.yaml:2:[0-9]+: "))) << result.err;
  EXPECT_EQ(::access((dir.path() + "/out.zip").c_str(), F_OK), -1);
}

TEST(CmdEmbed, BadDockerfileStopsWithLineAndReason) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", "FROM scratch\nENTRYPOINT [\"/app\", 7]\n");
  const auto result = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--policy",
                           good_policy(dir), "--print", dockerfile});
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.err.find(dockerfile + ":2: when using JSON array syntax"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty());
}

TEST(CmdEmbed, InheritedEntrypointNeedsTheFlag) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", kNodeDockerfile);
  const auto result = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--policy",
                           good_policy(dir), "--print", dockerfile});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("--entrypoint"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("node:20-alpine"), std::string::npos) << result.err;
}

TEST(CmdEmbed, BadOptionsAreUsageErrors) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", "FROM scratch\nENTRYPOINT [\"/app\"]\n");
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--app-id", "bad id"}, {"--app-id", "a", "--data-folder", "rasp"},
        {"--app-id", "a", "--console", "http://x y"}, {"--app-id", "a", "--entrypoint", "[1]"},
        {"--app-id", "a", "--install-bundle", "not base64; RUN evil"},
        {"--app-id", "a", "--install-bundle", std::string(70 * 1024, 'A')}}) {
    std::vector<std::string> argv = {defender::testing::defender_bin(), "embed", "--policy", good_policy(dir), "--print"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(dockerfile);
    const auto result = run(argv);
    EXPECT_EQ(result.status, 2) << extra[1] << ": " << result.err;
  }
}

TEST(CmdEmbed, DynamicBinaryIsRefused) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", "FROM scratch\nENTRYPOINT [\"/app\"]\n");
  const auto result = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--policy",
                           good_policy(dir), "--defender-binary", "/bin/ls", "--output",
                           dir.path() + "/b.zip", dockerfile});
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.err.find("dynamically linked"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("make static"), std::string::npos) << result.err;
}

class CmdEmbedBundle : public ::testing::Test {
 protected:
  void SetUp() override {
    static_bin_ = testing::static_defender();
    if (static_bin_.empty()) {
      GTEST_SKIP() << "no static defender: run `make static` (or set DEFENDER_STATIC_BIN) to test bundles";
    }
  }
  std::string static_bin_;
};

TEST_F(CmdEmbedBundle, ZipHoldsDockerfileExecutableDefenderAndPolicy) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", kNodeDockerfile);
  const std::string policy = good_policy(dir);
  const std::string zip = dir.path() + "/rasp_embed.zip";
  const auto made = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--policy", policy,
                         "--entrypoint", "[\"docker-entrypoint.sh\"]", "--defender-binary", static_bin_,
                         "--console", "wss://console.local:8084", "--output", zip, dockerfile});
  ASSERT_EQ(made.status, 0) << made.err;
  EXPECT_EQ(read_file(dockerfile), kNodeDockerfile);
  const auto listing = run({"unzip", "-Z", zip});
  ASSERT_EQ(listing.status, 0) << listing.err;
  EXPECT_TRUE(std::regex_search(listing.out, std::regex("-rwxr-xr-x .* defender\n"))) << listing.out;
  EXPECT_TRUE(std::regex_search(listing.out, std::regex("-rw-r--r-- .* Dockerfile\n"))) << listing.out;
  EXPECT_TRUE(std::regex_search(listing.out, std::regex("-rw-r--r-- .* policy.yaml\n"))) << listing.out;
  ASSERT_EQ(run({"unzip", "-q", zip, "-d", dir.path() + "/x"}).status, 0);
  EXPECT_EQ(read_file(dir.path() + "/x/defender"), read_file(static_bin_));
  EXPECT_EQ(read_file(dir.path() + "/x/policy.yaml"), read_file(policy));
  const std::string out = read_file(dir.path() + "/x/Dockerfile");
  EXPECT_NE(out.find("COPY defender /rasp/defender\n"), std::string::npos);
  EXPECT_NE(out.find("COPY policy.yaml /rasp/policy.yaml\n"), std::string::npos);
  EXPECT_NE(out.find("ENV DEFENDER_TYPE=rasp RASP_DEFENDER_ID=shop DATA_FOLDER=/rasp/ "
                     "WS_ADDRESS=wss://console.local:8084\n"), std::string::npos) << out;
  // The bundled binary runs.
  const auto version = run({dir.path() + "/x/defender", "version"});
  EXPECT_EQ(version.status, 0);
}

TEST_F(CmdEmbedBundle, FolderBundleCarriesPolicyListsAndNeverOverwritesTheOriginal) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", "FROM scratch\nENTRYPOINT [\"/app\"]\n");
  dir.write("lists/block.txt", "evil.example\n");
  const std::string policy =
      dir.write("policy.yaml", "version: 1\nnetwork:\n  lists: [lists/block.txt]\n");
  // The folder of the original: refused, original intact.
  const auto refused = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--policy", policy,
                            "--defender-binary", static_bin_, "--output-dir", dir.path(), dockerfile});
  EXPECT_NE(refused.status, 0);
  EXPECT_EQ(read_file(dockerfile), "FROM scratch\nENTRYPOINT [\"/app\"]\n");

  const std::string out = dir.path() + "/bundle";
  const auto made = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--policy", policy,
                         "--defender-binary", static_bin_, "--output-dir", out, "--data-folder", "/opt/rasp",
                         dockerfile});
  ASSERT_EQ(made.status, 0) << made.err;
  EXPECT_EQ(read_file(out + "/lists/block.txt"), "evil.example\n");
  const std::string augmented = read_file(out + "/Dockerfile");
  EXPECT_NE(augmented.find("COPY lists/block.txt /opt/rasp/lists/block.txt\n"), std::string::npos) << augmented;
  EXPECT_NE(augmented.find("ENTRYPOINT [\"/opt/rasp/defender\",\"rasp\",\"--\",\"/app\"]"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(stat((out + "/defender").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0755u);
}

TEST(CmdEmbed, PolicyFileOutsideItsFolderIsRefused) {
  TempDir dir;
  const std::string dockerfile = dir.write("Dockerfile", "FROM scratch\nENTRYPOINT [\"/app\"]\n");
  dir.write("block.txt", "evil.example\n");
  const std::string policy = dir.write("sub/policy.yaml", "version: 1\nnetwork:\n  lists: [../block.txt]\n");
  const auto result = run({defender::testing::defender_bin(), "embed", "--app-id", "shop", "--policy", policy,
                           "--print", dockerfile});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("outside the policy's folder"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace defender::embed

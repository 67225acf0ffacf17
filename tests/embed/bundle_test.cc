// The bundle without the CLI: ELF checks and binary choice, the policy validated first
// (errors as FILE:LINE:COL, status 2), files the policy refers to carried, the bundle as a
// ZIP in memory (what the console's embed endpoint returns).
#include "embed/bundle.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace defender::embed {
namespace {

using defender::testing::TempDir;

TEST(Bundle, ElfChecks) {
  TempDir dir;
  EXPECT_EQ(is_static_elf(dir.write("text", "#!/bin/sh\n")), std::nullopt);
  EXPECT_EQ(is_static_elf(dir.path() + "/missing"), std::nullopt);
  EXPECT_EQ(is_static_elf("/bin/sh"), std::optional<bool>(false));
  const BinaryChoice dynamic = choose_defender_binary("/bin/sh", "");
  EXPECT_TRUE(dynamic.path.empty());
  EXPECT_NE(dynamic.error.find("make static"), std::string::npos);
  const BinaryChoice none = choose_defender_binary("", "/bin/sh");
  EXPECT_TRUE(none.path.empty());
  EXPECT_NE(none.error.find("make static"), std::string::npos);
}

TEST(Bundle, BadPolicyComesFirst) {
  TempDir dir;
  BundleRequest request;
  request.dockerfile_text = "this is not a Dockerfile\n";
  request.policy_path = dir.write("p.yaml", "version: 1\nmode: maybe\n");
  request.options.app_id = "a";
  const BundleResult result = make_bundle(request);
  ASSERT_FALSE(result.bundle);
  EXPECT_EQ(result.error.status, 2);
  ASSERT_FALSE(result.error.messages.empty());
  EXPECT_EQ(result.error.messages[0].rfind(request.policy_path + ":2:", 0), 0u) << result.error.messages[0];
}

TEST(Bundle, CarriesPolicyFilesAndZipsInMemory) {
  TempDir dir;
  dir.write("deny.txt", "evil.example\n");
  BundleRequest request;
  request.dockerfile_text = "FROM scratch\nENTRYPOINT [\"/app\"]\n";
  request.policy_path = dir.write("p.yaml", "version: 1\nnetwork:\n  lists: [deny.txt]\n");
  request.options.app_id = "a";
  const BundleResult result = make_bundle(request);
  ASSERT_TRUE(result.bundle) << (result.error.messages.empty() ? "" : result.error.messages[0]);
  const auto& files = result.bundle->files;
  ASSERT_EQ(files.size(), 3u);  // no binary asked for: Dockerfile, policy.yaml, deny.txt
  EXPECT_EQ(files[0].name, "Dockerfile");
  EXPECT_EQ(files[1].name, "policy.yaml");
  EXPECT_EQ(files[2].name, "deny.txt");
  EXPECT_NE(files[0].data.find("COPY deny.txt /rasp/deny.txt\n"), std::string::npos);
  const std::string zip = bundle_zip_bytes(*result.bundle);
  ASSERT_GT(zip.size(), 22u);
  EXPECT_EQ(zip.substr(0, 4), std::string("PK\x03\x04", 4));
}

TEST(Bundle, BadDockerfileSaysFileAndLine) {
  TempDir dir;
  BundleRequest request;
  request.dockerfile_text = "FROM scratch\nBOGUS x\n";
  request.dockerfile_name = "app/Dockerfile";
  request.policy_path = dir.write("p.yaml", "version: 1\n");
  request.options.app_id = "a";
  const BundleResult result = make_bundle(request);
  ASSERT_FALSE(result.bundle);
  EXPECT_EQ(result.error.status, 1);
  EXPECT_EQ(result.error.messages.at(0), "app/Dockerfile:2: unknown instruction: BOGUS");
}

}  // namespace
}  // namespace defender::embed

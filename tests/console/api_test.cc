// The console's API over real HTTPS (curl checking the console's own CA), through the real
// binary: users and roles, policies with validation errors as the CLI prints them, sessions,
// the install bundle, the embed endpoint against `defender embed`, and bad requests.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "console/crypto_util.h"
#include "tests/console/console_support.h"

namespace defender::console::testing {
namespace {

using defender::testing::free_port;
using defender::testing::TempDir;
using json = nlohmann::json;

constexpr const char* kGoodPolicy =
    "version: 1\napp_id: shop\nmode: prevent\nnetwork:\n  deny: [evil.example]\n";
constexpr const char* kBadPolicy = "version: 1\nnetwork:\n  deyn: [x]\n";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    console_ = std::make_unique<ConsoleProcess>(dir_.path() + "/data", free_port(), free_port(),
                                                std::vector<std::string>{"--session-ttl", "2",
                                                                         "--defender-binary", "/bin/busybox"});
    ASSERT_TRUE(console_->ready()) << console_->process().err();
  }
  HttpResult call(const std::string& path, const std::vector<std::string>& args = {}) {
    return https(console_->api_port(), console_->ca_file(), path, args);
  }
  TempDir dir_;
  std::unique_ptr<ConsoleProcess> console_;
};

TEST_F(ApiTest, AuthenticationIsRequiredAndWrongPasswordsRefused) {
  EXPECT_EQ(call("/api/v1/policies").status, 401);
  EXPECT_EQ(call("/api/v1/policies", {"-u", "admin:wrong-password"}).status, 401);
  EXPECT_EQ(call("/api/v1/policies", {"-u", "nobody:whatever1"}).status, 401);
  const auto ok = call("/api/v1/policies", as_admin());
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(ok.json()["policies"].is_array());
}

TEST_F(ApiTest, PoliciesAreVersionedAndValidated) {
  auto put = call("/api/v1/policies/shop", as_admin({"-X", "PUT", "--data-binary", kGoodPolicy}));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["version"], 1);
  put = call("/api/v1/policies/shop", as_admin({"-X", "PUT", "--data-binary", kGoodPolicy}));
  EXPECT_EQ(put.json()["version"], 2);

  const auto get = call("/api/v1/policies/shop", as_admin());
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(get.json()["text"], kGoodPolicy);
  EXPECT_EQ(get.json()["version"], 2);
  EXPECT_EQ(call("/api/v1/policies/shop?version=1", as_admin()).json()["version"], 1);
  EXPECT_EQ(call("/api/v1/policies/nothing-here", as_admin()).status, 404);
  EXPECT_EQ(call("/api/v1/policies/shop?format=text", as_admin()).body, kGoodPolicy);

  const auto bad = call("/api/v1/policies/shop", as_admin({"-X", "PUT", "--data-binary", kBadPolicy}));
  ASSERT_EQ(bad.status, 400) << bad.body;
  const auto errors = bad.json()["errors"];
  ASSERT_EQ(errors.size(), 1u) << bad.body;
  // As `defender policy check` prints it: FILE:LINE:COL: message.
  EXPECT_EQ(errors[0].get<std::string>().rfind("shop.yaml:3:3: unknown key", 0), 0u) << errors[0];
  EXPECT_EQ(bad.json()["diagnostics"][0]["line"], 3);
  // Refused policies are not stored.
  EXPECT_EQ(call("/api/v1/policies/shop", as_admin()).json()["version"], 2);

  const auto list = call("/api/v1/policies", as_admin()).json()["policies"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["app_id"], "shop");
  EXPECT_EQ(call("/api/v1/policies/bad%20id", as_admin()).status, 400);
}

TEST_F(ApiTest, RolesLimitWhatUsersMayDo) {
  auto made = call("/api/v1/users/alice", as_admin({"-X", "PUT", "--data-binary",
                                                     R"({"password":"alice-password","role":"auditor"})"}));
  ASSERT_EQ(made.status, 200) << made.body;
  made = call("/api/v1/users/bob", as_admin({"-X", "PUT", "--data-binary",
                                              R"({"password":"bob-password","role":"defender-manager"})"}));
  ASSERT_EQ(made.status, 200) << made.body;
  for (const char* who : {"alice:alice-password", "bob:bob-password"}) {
    const auto refused = call("/api/v1/policies/shop", {"-u", who, "-X", "PUT", "--data-binary", kGoodPolicy});
    EXPECT_EQ(refused.status, 403) << who << " " << refused.body;
    EXPECT_EQ(call("/api/v1/policies", {"-u", who}).status, 200);
    EXPECT_EQ(call("/api/v1/users", {"-u", who}).status, 403);
  }
  EXPECT_EQ(call("/api/v1/defenders/install-bundle", {"-u", "alice:alice-password"}).status, 403);
  EXPECT_EQ(call("/api/v1/defenders/install-bundle", {"-u", "bob:bob-password"}).status, 200);
  EXPECT_EQ(call("/api/v1/policies", {"-u", "alice:wrong-password"}).status, 401);
  EXPECT_EQ(call("/api/v1/users/carol", as_admin({"-X", "PUT", "--data-binary",
                                                   R"({"password":"short","role":"auditor"})"})).status,
            400);
}

TEST_F(ApiTest, SessionsWorkAndExpire) {
  const auto login = call("/api/v1/login", {"-X", "POST", "--data-binary",
                                            std::string(R"({"user":"admin","password":")") + kAdminPassword + "\"}"});
  ASSERT_EQ(login.status, 200) << login.body;
  const auto at = login.headers.find("defender_session=");
  ASSERT_NE(at, std::string::npos) << login.headers;
  const std::string cookie = login.headers.substr(at, login.headers.find(';', at) - at);
  EXPECT_NE(login.headers.find("HttpOnly"), std::string::npos);
  EXPECT_EQ(call("/api/v1/me", {"-b", cookie}).json()["user"], "admin");
  EXPECT_EQ(call("/api/v1/login", {"-X", "POST", "--data-binary", R"({"user":"admin","password":"nope"})"}).status, 401);
  EXPECT_EQ(call("/api/v1/me", {"-b", "defender_session=forged"}).status, 401);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // --session-ttl 2
  const auto expired = call("/api/v1/me", {"-b", cookie});
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
}

TEST_F(ApiTest, InstallBundleCarriesAddressCaAndToken) {
  const auto got = call("/api/v1/defenders/install-bundle", as_admin());
  ASSERT_EQ(got.status, 200) << got.body;
  const auto decoded = base64_decode(got.json()["bundle"].get<std::string>());
  ASSERT_TRUE(decoded);
  const json bundle = json::parse(*decoded);
  EXPECT_EQ(bundle["ws_address"], "wss://127.0.0.1:" + std::to_string(console_->defender_port()));
  EXPECT_EQ(bundle["ca_cert"], defender::testing::read_file(console_->ca_file()));
  EXPECT_GE(bundle["token"].get<std::string>().size(), 32u);
}

TEST_F(ApiTest, EmbedReturnsTheCliBundle) {
  const std::string dockerfile = dir_.write("Dockerfile", "FROM alpine:3.19\nUSER app\nCMD [\"/app/run\", \"--port\", \"80\"]\n");
  auto put = call("/api/v1/policies/shop", as_admin({"-X", "PUT", "--data-binary", kGoodPolicy}));
  ASSERT_EQ(put.status, 200);
  const std::string zip = dir_.path() + "/api.zip";
  auto got = call("/api/v1/defenders/embed",
                  as_admin({"-F", "dockerfile=@" + dockerfile, "-F", "app_id=shop", "-F", "data_folder=/rasp/",
                            "-F", "entrypoint=[]"}));
  ASSERT_EQ(got.status, 200) << got.body.substr(0, 500);
  EXPECT_NE(got.headers.find("application/zip"), std::string::npos);
  {
    std::ofstream out(zip, std::ios::binary);
    out << got.body;
  }
  // The CLI with the same inputs.
  const std::string policy = dir_.write("policy.yaml", kGoodPolicy);
  const std::string console_address = "wss://127.0.0.1:" + std::to_string(console_->defender_port());
  const std::string bundle = call("/api/v1/defenders/install-bundle", as_admin()).json()["bundle"];
  const auto cli = defender::testing::run({defender::testing::defender_bin(), "embed", "--app-id", "shop",
                                           "--policy", policy, "--console", console_address,
                                           "--install-bundle", bundle,
                                           "--defender-binary", "/bin/busybox", "--entrypoint", "[]", "--output",
                                           dir_.path() + "/cli.zip", dockerfile});
  ASSERT_EQ(cli.status, 0) << cli.err;
  for (const char* name : {"defender", "policy.yaml"}) {
    const auto a = defender::testing::run({"unzip", "-p", zip, name});
    const auto b = defender::testing::run({"unzip", "-p", dir_.path() + "/cli.zip", name});
    EXPECT_EQ(a.out, b.out) << name;
    EXPECT_FALSE(a.out.empty()) << name;
  }
  const std::string api_dockerfile = defender::testing::run({"unzip", "-p", zip, "Dockerfile"}).out;
  const std::string cli_dockerfile = defender::testing::run({"unzip", "-p", dir_.path() + "/cli.zip", "Dockerfile"}).out;
  // The same, the console's address and install bundle (CA, token) included.
  EXPECT_EQ(api_dockerfile, cli_dockerfile);
  EXPECT_NE(api_dockerfile.find(" WS_ADDRESS=" + console_address + " INSTALL_BUNDLE=" + bundle + "\n"), std::string::npos)
      << api_dockerfile;

  EXPECT_EQ(call("/api/v1/defenders/embed", as_admin({"-F", "app_id=shop"})).status, 400);
  // Without the base image's entrypoint the rewrite cannot be sure: 400 with the reason.
  const auto unsure = call("/api/v1/defenders/embed", as_admin({"-F", "dockerfile=@" + dockerfile, "-F", "app_id=shop"}));
  EXPECT_EQ(unsure.status, 400);
  EXPECT_NE(unsure.body.find("ENTRYPOINT"), std::string::npos) << unsure.body;
  EXPECT_EQ(call("/api/v1/defenders/embed",
                 as_admin({"-F", "dockerfile=@" + dockerfile, "-F", "app_id=shop", "-F", "entrypoint=nope"})).status,
            400);
  EXPECT_EQ(call("/api/v1/defenders/embed",
                 as_admin({"-F", "dockerfile=@" + dockerfile, "-F", "app_id=bad id!"})).status, 400);
  EXPECT_EQ(call("/api/v1/defenders/embed",
                 as_admin({"-H", "Content-Type: multipart/form-data; boundary=xyz", "--data-binary", "--xyz\r\ngarbage"}))
                .status,
            400);
  const auto binary = call("/api/v1/defenders/binary", as_admin());
  EXPECT_EQ(binary.status, 200);
  EXPECT_EQ(binary.body, defender::testing::read_file("/bin/busybox"));
}

TEST_F(ApiTest, BadRequestsGetAStatus) {
  EXPECT_EQ(call("/api/v1/nothing", as_admin()).status, 404);
  EXPECT_EQ(call("/api/v1/events?since=yesterday", as_admin()).status, 400);
  EXPECT_EQ(call("/api/v1/events?limit=-3", as_admin()).status, 400);
  EXPECT_EQ(call("/api/v1/login", {"-X", "POST", "--data-binary", "not json"}).status, 400);
  const std::string big(9 << 20, 'x');
  const std::string big_file = dir_.write("big", big);
  EXPECT_EQ(call("/api/v1/policies/shop", as_admin({"-X", "PUT", "--data-binary", "@" + big_file})).status, 413);
  EXPECT_EQ(call("/", {}).status, 200);
  EXPECT_EQ(call("/no-such-page.html", {}).status, 404);
  // Still serving after all that.
  EXPECT_EQ(call("/api/v1/policies", as_admin()).status, 200);
}

TEST_F(ApiTest, AdminPasswordIsGeneratedWhenNoFileIsGiven) {
  TempDir other;
  defender::testing::Process console({defender::testing::defender_bin(), "console", "--api-listen",
                                      "127.0.0.1:" + std::to_string(free_port()), "--defender-listen",
                                      "127.0.0.1:" + std::to_string(free_port()), "--data-folder", other.path()});
  ASSERT_TRUE(console.wait_for_output("console: API", std::chrono::seconds(30))) << console.err();
  EXPECT_NE(console.out().find("created user admin with password "), std::string::npos) << console.out();
}

}  // namespace
}  // namespace defender::console::testing

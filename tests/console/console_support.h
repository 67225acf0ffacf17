// Test helpers for the console: the real `defender console` on free loopback ports with its
// own data folder, and an HTTPS client (curl, checking the console's CA).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

namespace defender::console::testing {

inline constexpr const char* kAdminPassword = "admin-password-123";

class ConsoleProcess {
 public:
  // Starts a console in `data_folder` (created by the caller); extra flags appended.
  ConsoleProcess(const std::string& data_folder, std::uint16_t api_port, std::uint16_t defender_port,
                 const std::vector<std::string>& extra = {});
  bool ready() const { return ready_; }
  defender::testing::Process& process() { return *process_; }
  std::uint16_t api_port() const { return api_port_; }
  std::uint16_t defender_port() const { return defender_port_; }
  std::string ca_file() const { return data_folder_ + "/tls/ca.pem"; }
  void stop();  // SIGTERM and wait

 private:
  std::string data_folder_;
  std::uint16_t api_port_;
  std::uint16_t defender_port_;
  std::unique_ptr<defender::testing::Process> process_;
  bool ready_ = false;
};

struct HttpResult {
  int status = 0;  // 0 when curl failed (e.g. TLS refused)
  std::string body;
  std::string headers;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// curl against https://127.0.0.1:PORT PATH, checking the server against `ca_file`.
// `args` adds curl arguments (-u, -X PUT, --data-binary, -F, -b ...).
HttpResult https(std::uint16_t port, const std::string& ca_file, const std::string& path,
                 const std::vector<std::string>& args = {});

// -u admin:PASSWORD
std::vector<std::string> as_admin(std::vector<std::string> more = {});

// A fixture with a console of its own: free ports, data in `console_folder()` (under the
// fixture's temp folder), started by SetUp, which also fetches the install bundle it hands
// defenders (`bundle_`). start_console() starts it again (same folder and ports).
class ConsoleFixture : public ::testing::Test {
 protected:
  explicit ConsoleFixture(std::string folder_name) : folder_name_(std::move(folder_name)) {}
  void SetUp() override {
    api_port_ = defender::testing::free_port();
    defender_port_ = defender::testing::free_port();
    start_console();
    const auto got = call("/api/v1/defenders/install-bundle", as_admin());
    ASSERT_EQ(got.status, 200) << got.body;
    bundle_ = got.json()["bundle"];
  }
  void start_console() {
    console_ = std::make_unique<ConsoleProcess>(console_folder(), api_port_, defender_port_);
    ASSERT_TRUE(console_->ready()) << console_->process().err();
  }
  std::string console_folder() const { return dir_.path() + "/" + folder_name_; }
  HttpResult call(const std::string& path, const std::vector<std::string>& args = {}) {
    return https(api_port_, console_folder() + "/tls/ca.pem", path, args);
  }
  void put_policy(const std::string& app, const std::string& text) {
    const auto put = call("/api/v1/policies/" + app, as_admin({"-X", "PUT", "--data-binary", text}));
    ASSERT_EQ(put.status, 200) << put.body;
  }

  defender::testing::TempDir dir_;
  std::uint16_t api_port_ = 0;
  std::uint16_t defender_port_ = 0;
  std::unique_ptr<ConsoleProcess> console_;
  std::string bundle_;

 private:
  std::string folder_name_;
};

}  // namespace defender::console::testing

// defender_console_client against the real console binary: register, policy on connect and
// on every change (and a refusal reported back), events streamed and queried through the
// API, events buffered on disk while the console is down and delivered when it returns,
// overflow counted and reported, wrong token and wrong CA refused.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "console/client/console_client.h"
#include "console/crypto_util.h"
#include "tests/console/console_support.h"

namespace defender::console::testing {
namespace {

using defender::testing::free_port;
using defender::testing::TempDir;
using json = nlohmann::json;
using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 20s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

std::string policy_text(const std::string& app, const std::string& domain) {
  return "version: 1\napp_id: " + app + "\nnetwork:\n  deny: [" + domain + "]\n";
}

class ClientTest : public ConsoleFixture {
 protected:
  ClientTest() : ConsoleFixture("data") {}
  void SetUp() override {
    ConsoleFixture::SetUp();
    if (HasFatalFailure()) return;
    io_thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    clients_.clear();
    work_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
  }
  std::size_t event_count(const std::string& query) {
    const auto got = call("/api/v1/events?limit=1000&" + query, as_admin());
    return got.status == 200 ? got.json()["events"].size() : 0;
  }
  ConsoleClient& make_client(const std::string& app, ConsoleClient::Options options = {}) {
    options.install_bundle = options.install_bundle.empty() ? bundle_ : options.install_bundle;
    options.data_folder = dir_.path();
    options.app_id = app;
    options.instance = "instance-1";
    options.controls_json = R"({"dns":"on","cnaf":"off"})";
    options.backoff_initial = 100ms;
    options.backoff_max = 500ms;
    clients_.push_back(std::make_unique<ConsoleClient>(
        io_, options,
        [this](const std::string& text, std::string* error) {
          std::lock_guard lock(mutex_);
          if (text.find("# refuse") != std::string::npos) {
            *error = "policy.yaml:1:1: refused by this defender";
            return false;
          }
          policies_.push_back(text);
          return true;
        },
        core::Logger(core::LogLevel::warn)));
    return *clients_.back();
  }
  std::string last_policy() {
    std::lock_guard lock(mutex_);
    return policies_.empty() ? "" : policies_.back();
  }
  static core::Event event(const std::string& type, int i) {
    core::Event e;
    e.type = type;
    e.action = "prevent";
    e.rule = "network.deny[1]";
    e.message = "blocked " + std::to_string(i);
    e.set("qname", "evil" + std::to_string(i) + ".example");
    return e;
  }

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{io_.get_executor()};
  std::thread io_thread_;
  std::vector<std::unique_ptr<ConsoleClient>> clients_;
  std::mutex mutex_;
  std::vector<std::string> policies_;
};

TEST_F(ClientTest, ReceivesItsPolicyAndEveryChange) {
  put_policy("default", policy_text("default", "default.example"));
  auto& client = make_client("shop");
  client.start();
  ASSERT_TRUE(eventually([&] { return last_policy() == policy_text("default", "default.example"); }))
      << last_policy();

  put_policy("shop", policy_text("shop", "one.example"));
  ASSERT_TRUE(eventually([&] { return last_policy() == policy_text("shop", "one.example"); })) << last_policy();
  put_policy("shop", policy_text("shop", "two.example"));
  ASSERT_TRUE(eventually([&] { return last_policy() == policy_text("shop", "two.example"); })) << last_policy();
  // A default change no longer concerns an app with its own policy.
  put_policy("default", policy_text("default", "other.example"));

  // A policy the defender refuses: reported back, the old one stays.
  put_policy("shop", policy_text("shop", "three.example") + "# refuse\n");
  ASSERT_TRUE(eventually([&] {
    const auto list = call("/api/v1/defenders", as_admin()).json()["defenders"];
    return list.size() == 1 && list[0]["policy_error"].get<std::string>().find("refused") != std::string::npos;
  }));
  EXPECT_EQ(last_policy(), policy_text("shop", "two.example"));
  const auto defenders = call("/api/v1/defenders", as_admin()).json()["defenders"];
  EXPECT_EQ(defenders[0]["app_id"], "shop");
  EXPECT_EQ(defenders[0]["instance"], "instance-1");
  EXPECT_EQ(defenders[0]["connected"], true);
  EXPECT_EQ(defenders[0]["controls"]["dns"], "on");
  EXPECT_EQ(client.stats().policies_refused, 1u);
}

TEST_F(ClientTest, EventsAreBufferedWhileTheConsoleIsDown) {
  auto& client = make_client("shop");
  client.start();
  ASSERT_TRUE(eventually([&] { return client.stats().connected; })) << client.stats().last_error;
  for (int i = 0; i < 10; ++i) client.events().emit(event("dns", i));
  ASSERT_TRUE(eventually([&] { return event_count("app_id=shop&type=dns") == 10; }));
  const auto one = call("/api/v1/events?type=dns&limit=1", as_admin()).json()["events"][0];
  EXPECT_EQ(one["action"], "prevent");
  EXPECT_EQ(one["rule"], "network.deny[1]");
  EXPECT_EQ(one["instance"], "instance-1");
  EXPECT_EQ(one["qname"].get<std::string>().rfind("evil", 0), 0u);

  console_->stop();
  ASSERT_TRUE(eventually([&] { return !client.stats().connected; }));
  for (int i = 0; i < 25; ++i) client.events().emit(event("process", i));
  const std::string spool = dir_.path() + "/console_spool.jsonl";
  ASSERT_TRUE(eventually([&] { return client.stats().events_spooled >= 25; }));
  EXPECT_TRUE(std::filesystem::exists(spool));

  start_console();
  ASSERT_TRUE(eventually([&] { return event_count("app_id=shop&type=process") == 25; }))
      << client.stats().last_error;
  EXPECT_EQ(event_count("app_id=shop&type=dns"), 10u);
  EXPECT_FALSE(std::filesystem::exists(spool));
  EXPECT_EQ(client.stats().events_dropped, 0u);
  // Filters and paging.
  EXPECT_EQ(event_count("app_id=other"), 0u);
  EXPECT_EQ(event_count("action=alert"), 0u);
  EXPECT_EQ(call("/api/v1/events?type=process&limit=10&offset=20", as_admin()).json()["events"].size(), 5u);
  EXPECT_EQ(event_count("since=2999-01-01T00:00:00Z"), 0u);
}

TEST_F(ClientTest, OverflowIsCountedAndReported) {
  console_->stop();
  ConsoleClient::Options options;
  options.max_spool_bytes = 2000;
  auto& client = make_client("shop", options);
  client.start();
  for (int i = 0; i < 100; ++i) client.events().emit(event("dns", i));
  ASSERT_TRUE(eventually([&] { return client.stats().events_spooled + client.stats().events_dropped == 100; }));
  const auto dropped = client.stats().events_dropped;
  EXPECT_GT(dropped, 0u);
  start_console();
  ASSERT_TRUE(eventually([&] { return event_count("type=system") == 1; }));
  const auto report = call("/api/v1/events?type=system", as_admin()).json()["events"][0];
  EXPECT_EQ(report["dropped"], dropped) << report;
  EXPECT_EQ(event_count("type=dns"), 100u - dropped);
}

TEST_F(ClientTest, WrongTokenIsRefused) {
  auto decoded = json::parse(*base64_decode(bundle_));
  decoded["token"] = "not-the-token";
  ConsoleClient::Options options;
  options.install_bundle = base64_encode(decoded.dump());
  auto& client = make_client("shop", options);
  client.start();
  ASSERT_TRUE(console_->process().wait_for_output("bad defender token", 20s)) << console_->process().err();
  ASSERT_TRUE(eventually([&] { return client.stats().last_error.find("bad defender token") != std::string::npos; }))
      << client.stats().last_error;
  EXPECT_EQ(client.stats().connects, 0u);
  EXPECT_TRUE(call("/api/v1/defenders", as_admin()).json()["defenders"].empty());
}

TEST_F(ClientTest, WrongCaIsRefused) {
  const auto made = defender::testing::run(
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", dir_.path() + "/other.key", "-out", dir_.path() + "/other.pem", "-subj", "/CN=other", "-days", "1"});
  ASSERT_EQ(made.status, 0) << made.err;
  auto decoded = json::parse(*base64_decode(bundle_));
  decoded["ca_cert"] = defender::testing::read_file(dir_.path() + "/other.pem");
  ConsoleClient::Options options;
  options.install_bundle = base64_encode(decoded.dump());
  auto& client = make_client("shop", options);
  client.start();
  ASSERT_TRUE(eventually([&] { return client.stats().last_error.find("TLS") != std::string::npos; }))
      << client.stats().last_error;
  EXPECT_EQ(client.stats().connects, 0u);
  EXPECT_TRUE(call("/api/v1/defenders", as_admin()).json()["defenders"].empty());
}

TEST(InstallBundle, BadBundlesAreRefusedAtConstruction) {
  boost::asio::io_context io;
  for (const std::string& bundle : std::vector<std::string>{"", "%%%", base64_encode("[]"), base64_encode(R"({"ws_address":"ws://x:1","ca_cert":"","token":"t"})")}) {
    ConsoleClient::Options options;
    options.install_bundle = bundle;
    EXPECT_THROW(ConsoleClient(io, options, [](const std::string&, std::string*) { return true; },
                               core::Logger()),
                 std::invalid_argument)
        << bundle;
  }
}

}  // namespace
}  // namespace defender::console::testing

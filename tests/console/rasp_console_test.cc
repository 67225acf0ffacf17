// `defender rasp` with a console, through the real binaries: the console's install bundle in
// INSTALL_BUNDLE; a policy PUT through the API is enforced by the running defender (an exec it
// denies is refused); a policy the defender cannot load is reported back and the old one
// stays; events made while the console is down are buffered in the data folder and arrive
// when it is back (same data folder and ports); a wrong token, a wrong CA or a garbled bundle
// leave the defender enforcing its local policy.
//
// The defender runs plainly (not in namespaces: it must reach the console on the host's
// loopback) with --no-dns --no-cnaf, so the host's resolv.conf is never touched. Its app is a
// shell that runs what the test writes into a FIFO, one command a line, and appends the
// command's status to a file.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <gtest/gtest.h>

#include "console/crypto_util.h"
#include "tests/console/console_support.h"
#include "tests/supervisor/scripted_app.h"

namespace defender::console::testing {
namespace {

using defender::testing::eventually;
using defender::testing::free_port;
using defender::testing::read_file;
using defender::testing::ScriptedApp;
using defender::testing::TempDir;
using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kApp = "rasp-console";

std::string deny_exec_policy(const std::string& path) {
  return std::string("version: 1\napp_id: ") + kApp + "\nprocesses:\n  deny: [" + path + "]\n";
}

class RaspConsole : public ConsoleFixture {
 protected:
  RaspConsole() : ConsoleFixture("console") {}
  void put_policy(const std::string& text) { ConsoleFixture::put_policy(kApp, text); }
  json defender() {
    const auto list = call("/api/v1/defenders", as_admin()).json();
    if (!list.is_object() || !list["defenders"].is_array()) return json();
    for (const auto& d : list["defenders"]) {
      if (d.value("app_id", "") == kApp) return d;
    }
    return json();
  }
  bool connected() {
    const json d = defender();
    return d.is_object() && d.value("connected", false);
  }
  // The console's process events of the app whose cmdline holds `marker`.
  std::size_t console_events_with(const std::string& marker) {
    const auto got = call(std::string("/api/v1/events?limit=1000&type=process&app_id=") + kApp, as_admin());
    std::size_t n = 0;
    if (got.status != 200) return 0;
    const json body = got.json();
    if (!body.is_object() || !body["events"].is_array()) return 0;
    for (const auto& event : body["events"]) {
      n += event.value("cmdline", "").find(marker) != std::string::npos;
    }
    return n;
  }
  std::string bundle_with(const std::string& key, const std::string& value) {
    auto decoded = json::parse(*base64_decode(bundle_));
    decoded[key] = value;
    return base64_encode(decoded.dump());
  }
};

TEST_F(RaspConsole, ConsoleWaitMsAppliesTheConsolePolicyBeforeTheAppStarts) {
  // The console already has a policy for the app; the local one asks to wait for it.
  put_policy(deny_exec_policy("/usr/bin/id"));
  ScriptedApp rasp(dir_.path() + "/rasp",
                   deny_exec_policy("/usr/bin/nc") + "supervisor:\n  console_wait_ms: 20000\n",
                   {"INSTALL_BUNDLE=" + bundle_});
  // The very first command of the app already meets the console's policy.
  EXPECT_EQ(rasp.exec("/usr/bin/id"), 126) << rasp.process().err();
  EXPECT_TRUE(eventually([&] {
    return read_file(dir_.path() + "/rasp/events.jsonl").find("the console's policy applied before the app started") !=
           std::string::npos;
  })) << read_file(dir_.path() + "/rasp/events.jsonl");
}

TEST_F(RaspConsole, PolicyFromTheConsoleIsEnforcedAndEventsSurviveAnOutage) {
  const std::string metrics = "127.0.0.1:" + std::to_string(free_port());
  ScriptedApp rasp(dir_.path() + "/rasp", deny_exec_policy("/usr/bin/nc"), {"INSTALL_BUNDLE=" + bundle_},
                   {"--metrics-listen", metrics});
  // The app does not wait for the console: the local policy serves from the start.
  ASSERT_EQ(rasp.exec("/usr/bin/id"), 0) << rasp.process().err();
  EXPECT_EQ(rasp.exec("/usr/bin/printenv INSTALL_BUNDLE"), 1) << "the app must not see the console's token";
  ASSERT_TRUE(eventually([&] { return connected(); })) << rasp.process().err();
  const json registered = defender();
  EXPECT_EQ(registered["controls"].value("seccomp_notify", "").rfind("on", 0), 0u) << registered.dump();
  EXPECT_EQ(registered["controls"].value("dns", ""), "off: turned off by --no-dns") << registered.dump();

  // A policy PUT through the API: the running defender enforces it.
  put_policy(deny_exec_policy("/usr/bin/id"));
  const auto put_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return rasp.exec("/usr/bin/id") == 126; })) << rasp.process().err();
  const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - put_at);
  std::cout << "[ figure ] PUT policy -> exec refused: " << latency.count() << " ms\n";
  EXPECT_TRUE(eventually([&] { return defender().value("policy_version", 0) >= 1; })) << defender().dump();
  EXPECT_EQ(defender().value("policy_error", "?"), "");
  const auto scraped = defender::testing::run({"curl", "-sS", "--max-time", "20", "http://" + metrics + "/metrics"});
  EXPECT_NE(scraped.out.find("\ndefender_console_connected 1\n"), std::string::npos) << scraped.out << scraped.err;
  EXPECT_NE(scraped.out.find("\ndefender_console_policies_applied_total 1\n"), std::string::npos) << scraped.out;
  EXPECT_TRUE(rasp.has_event([](const json& e) {
    return e.value("type", "") == "system" && e.value("message", "") == "policy reloaded from the console";
  }));
  // Reached the console too (the tee): the refused exec as a process event.
  EXPECT_TRUE(eventually([&] { return console_events_with("/usr/bin/id") >= 1; }))
      << call("/api/v1/events?limit=20", as_admin()).body;
  const json latest = call("/api/v1/events?limit=1&type=process", as_admin()).json();
  ASSERT_TRUE(latest.is_object() && latest["events"].size() == 1) << latest.dump();
  EXPECT_EQ(latest["events"][0].value("time", "").rfind("1970", 0), std::string::npos)
      << "events keep the time they happened: " << latest.dump();

  // A policy the console accepts but this defender cannot load (a list file it does not
  // have): reported back, the previous policy keeps serving.
  std::filesystem::create_directories(console_folder() + "/lists");
  std::ofstream(console_folder() + "/lists/only-on-the-console.txt") << "evil.example\n";
  put_policy(deny_exec_policy("/usr/bin/nc") + "network:\n  lists: [only-on-the-console.txt]\n");
  ASSERT_TRUE(eventually([&] { return !defender().value("policy_error", "").empty(); })) << defender().dump();
  EXPECT_NE(defender().value("policy_error", "").find("only-on-the-console.txt"), std::string::npos)
      << defender().dump();
  EXPECT_EQ(rasp.exec("/usr/bin/id"), 126);

  // The console goes away: the defender keeps enforcing and keeps the events on disk.
  const std::size_t log_before = rasp.process().err().size();
  console_->stop();
  ASSERT_TRUE(eventually([&] { return rasp.process().err().find("retrying in", log_before) != std::string::npos; }))
      << rasp.process().err();
  for (const char* marker : {"offline-1", "offline-2", "offline-3"}) {
    EXPECT_EQ(rasp.exec(std::string("/usr/bin/id ") + marker), 126);
  }
  EXPECT_TRUE(eventually([&] {
    return std::filesystem::exists(dir_.path() + "/rasp/console_spool.jsonl") &&
           read_file(dir_.path() + "/rasp/console_spool.jsonl").find("offline-3") != std::string::npos;
  }));

  // Back on the same data folder and ports: the buffered events arrive.
  start_console();
  ASSERT_TRUE(eventually([&] {
    return console_events_with("offline-1") == 1 && console_events_with("offline-2") == 1 &&
           console_events_with("offline-3") == 1;
  })) << rasp.process().err();
  EXPECT_EQ(rasp.exec("/usr/bin/id"), 126);

  ASSERT_TRUE(rasp.quit());
  EXPECT_EQ(rasp.process().wait(20s), 0) << rasp.process().err();
}

TEST_F(RaspConsole, WrongTokenIsRefusedAndTheLocalPolicyServes) {
  ScriptedApp rasp(dir_.path() + "/rasp", deny_exec_policy("/usr/bin/id"),
            {"INSTALL_BUNDLE=" + bundle_with("token", "not-the-token")});
  ASSERT_TRUE(console_->process().wait_for_output("bad defender token", 30s)) << console_->process().err();
  ASSERT_TRUE(rasp.process().wait_for_output("bad defender token", 30s)) << rasp.process().err();
  EXPECT_EQ(rasp.exec("/usr/bin/id"), 126);
  EXPECT_EQ(rasp.exec("/usr/bin/true"), 0);
  EXPECT_TRUE(defender().is_null()) << defender().dump();
}

TEST_F(RaspConsole, WrongCaIsRefusedAndTheLocalPolicyServes) {
  const auto made = defender::testing::run(
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
       dir_.path() + "/other.key", "-out", dir_.path() + "/other.pem", "-subj", "/CN=other", "-days", "1"});
  ASSERT_EQ(made.status, 0) << made.err;
  ScriptedApp rasp(dir_.path() + "/rasp", deny_exec_policy("/usr/bin/id"),
            {"INSTALL_BUNDLE=" + bundle_with("ca_cert", read_file(dir_.path() + "/other.pem"))});
  ASSERT_TRUE(rasp.process().wait_for_output("TLS:", 30s)) << rasp.process().err();
  EXPECT_EQ(rasp.exec("/usr/bin/id"), 126);
  EXPECT_EQ(rasp.exec("/usr/bin/true"), 0);
  EXPECT_TRUE(defender().is_null()) << defender().dump();
}

TEST_F(RaspConsole, GarbledBundleIsLoggedAndTheLocalPolicyServes) {
  ScriptedApp rasp(dir_.path() + "/rasp", deny_exec_policy("/usr/bin/id"),
            {"INSTALL_BUNDLE=%%% not base64", "WS_ADDRESS=wss://127.0.0.1:" + std::to_string(defender_port_)});
  EXPECT_EQ(rasp.exec("/usr/bin/id"), 126);
  EXPECT_EQ(rasp.exec("/usr/bin/true"), 0);
  EXPECT_NE(rasp.process().err().find("console: INSTALL_BUNDLE is not base64"), std::string::npos)
      << rasp.process().err();
  const auto started = rasp.events().front();
  EXPECT_EQ(started.value("console", ""), "off: INSTALL_BUNDLE is not base64") << started.dump();
}

}  // namespace
}  // namespace defender::console::testing

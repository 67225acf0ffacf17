// SIGHUP reloads `defender rasp`'s policy file through the one reload path (the console's
// too): the running app's next exec is judged by the new policy; a policy that does not load
// is refused, reported and the old one keeps serving; SIGHUP still reaches the app.
#include <signal.h>

#include <gtest/gtest.h>

#include "tests/supervisor/scripted_app.h"

namespace defender::testing {
namespace {

std::string deny_exec(const std::string& path) {
  return "version: 1\napp_id: reload-test\nprocesses:\n  deny: [" + path + "]\n";
}

bool system_event(const nlohmann::json& event, const std::string& prefix) {
  return event.value("type", "") == "system" && event.value("message", "").rfind(prefix, 0) == 0;
}

TEST(RaspReload, SighupAppliesTheNewPolicyFileAndStillReachesTheApp) {
  TempDir dir;
  ScriptedApp app(dir.path(), deny_exec("/usr/bin/nc"));
  ASSERT_EQ(app.exec("/usr/bin/id"), 0) << app.process().err();

  app.write_policy(deny_exec("/usr/bin/id"));
  app.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return app.exec("/usr/bin/id") == 126; })) << app.process().err();
  EXPECT_TRUE(eventually([&] { return app.hangups() == 1; })) << "SIGHUP was not forwarded to the app";
  EXPECT_TRUE(app.has_event([](const nlohmann::json& e) { return system_event(e, "policy reloaded from "); }));
  EXPECT_EQ(app.exec("/usr/bin/true"), 0);

  ASSERT_TRUE(app.quit());
  EXPECT_EQ(app.process().wait(20s), 0) << app.process().err();
}

TEST(RaspReload, PolicyThatDoesNotLoadIsRefusedAndTheOldOneServes) {
  TempDir dir;
  ScriptedApp app(dir.path(), deny_exec("/usr/bin/id"));
  ASSERT_EQ(app.exec("/usr/bin/id"), 126) << app.process().err();

  app.write_policy("version: 1\nprocesses:\n  deny: [/usr/bin/id]\n  defualt: allow\n");
  app.process().signal(SIGHUP);
  ASSERT_TRUE(eventually([&] {
    return app.has_event([](const nlohmann::json& e) { return system_event(e, "policy reload refused"); });
  })) << app.process().err();
  for (const auto& event : app.events()) {
    if (system_event(event, "policy reload refused")) {
      EXPECT_NE(event.value("errors", "").find("defualt"), std::string::npos) << event.dump();
    }
  }
  EXPECT_NE(app.process().err().find("defualt"), std::string::npos) << app.process().err();
  EXPECT_EQ(app.exec("/usr/bin/id"), 126);
  EXPECT_EQ(app.exec("/usr/bin/true"), 0);
  EXPECT_TRUE(app.process().running());
}

}  // namespace
}  // namespace defender::testing

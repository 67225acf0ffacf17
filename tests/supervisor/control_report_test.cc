#include "supervisor/control_report.h"

#include <gtest/gtest.h>

namespace defender::supervisor {
namespace {

TEST(ControlReport, SummaryAndEvent) {
  ControlReport report;
  report.add("seccomp_notify", true, "execve/execveat checked");
  report.add("landlock", false, "ABI 7; not an allowlist");
  report.add("landlock", true, "ABI 7");  // a later word on the same control replaces it
  EXPECT_EQ(report.controls().size(), 2u);
  EXPECT_EQ(report.summary(), "seccomp_notify=on (execve/execveat checked), landlock=on (ABI 7)");
  const core::Event event = report.to_event();
  EXPECT_EQ(event.type, "system");
  EXPECT_EQ(event.action, "info");
  ASSERT_EQ(event.fields.size(), 2u);
  EXPECT_EQ(event.fields[1].first, "landlock");
  EXPECT_EQ(std::get<std::string>(event.fields[1].second), "on: ABI 7");
  ASSERT_NE(report.find("landlock"), nullptr);
  EXPECT_EQ(report.find("dns"), nullptr);
}

}  // namespace
}  // namespace defender::supervisor

#include "core/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace defender::core {
namespace {

// Collects what a Logger writes: a pipe, read after the logging is done.
class Capture {
 public:
  Capture() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    read_ = fds[0];
    write_ = fds[1];
  }
  ~Capture() {
    ::close(read_);
    ::close(write_);
  }
  int fd() const { return write_; }
  std::string text() const {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(read_, buf, sizeof buf)) > 0;) {
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int read_ = -1;
  int write_ = -1;
};

TEST(Logger, LineHasTimeLevelComponentAndMessage) {
  Capture capture;
  Logger log(LogLevel::debug, capture.fd());
  log.warn("dns", "upstream 127.0.0.2:53 down");
  EXPECT_THAT(capture.text(),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                      "\\.[0-9]{3}Z warn dns: upstream 127\\.0\\.0\\.2:53 down\n"));
}

TEST(Logger, EachLevelNamed) {
  Capture capture;
  Logger log(LogLevel::debug, capture.fd());
  log.debug("a", "1");
  log.info("b", "2");
  log.warn("c", "3");
  log.error("d", "4");
  log.log(LogLevel::info, "e", "5");
  const std::string text = capture.text();
  EXPECT_THAT(text, ::testing::HasSubstr("Z debug a: 1\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("Z info b: 2\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("Z warn c: 3\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("Z error d: 4\n"));
  EXPECT_THAT(text, ::testing::HasSubstr("Z info e: 5\n"));
}

TEST(Logger, LevelsBelowTheMinimumAreFiltered) {
  Capture capture;
  Logger log(LogLevel::warn, capture.fd());
  EXPECT_FALSE(log.enabled(LogLevel::debug));
  EXPECT_FALSE(log.enabled(LogLevel::info));
  EXPECT_TRUE(log.enabled(LogLevel::warn));
  EXPECT_TRUE(log.enabled(LogLevel::error));
  log.debug("x", "hidden debug");
  log.info("x", "hidden info");
  log.warn("x", "shown warn");
  log.error("x", "shown error");
  const std::string text = capture.text();
  EXPECT_THAT(text, ::testing::Not(::testing::HasSubstr("hidden")));
  EXPECT_THAT(text, ::testing::HasSubstr("shown warn"));
  EXPECT_THAT(text, ::testing::HasSubstr("shown error"));
}

TEST(Logger, DefaultLevelIsInfo) {
  Capture capture;
  Logger log(LogLevel::info, capture.fd());
  log.debug("x", "no");
  log.info("x", "yes");
  EXPECT_THAT(capture.text(), ::testing::EndsWith("info x: yes\n"));
  EXPECT_FALSE(Logger().enabled(LogLevel::debug));
  EXPECT_TRUE(Logger().enabled(LogLevel::info));
}

TEST(Logger, ParseLogLevel) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::debug);
  EXPECT_EQ(parse_log_level("info"), LogLevel::info);
  EXPECT_EQ(parse_log_level("warn"), LogLevel::warn);
  EXPECT_EQ(parse_log_level("warning"), LogLevel::warn);
  EXPECT_EQ(parse_log_level("error"), LogLevel::error);
  EXPECT_EQ(parse_log_level("verbose"), std::nullopt);
  EXPECT_EQ(parse_log_level(""), std::nullopt);
  EXPECT_EQ(parse_log_level("INFO"), std::nullopt);
}

TEST(Logger, LinesFromManyThreadsStayWhole) {
  Capture capture;
  const Logger log(LogLevel::info, capture.fd());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 50; ++i) log.info("t" + std::to_string(t), std::string(100, 'a' + t));
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = capture.text();  // 200 lines of ~140 bytes fit in the pipe
  std::size_t lines = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    const std::string line = text.substr(start, end - start);
    EXPECT_THAT(line, ::testing::MatchesRegex(".*Z info t([0-3]): (a{100}|b{100}|c{100}|d{100})"));
    ++lines;
    start = end + 1;
  }
  EXPECT_EQ(lines, 200u);
}

TEST(Logger, ClosedFdIsHarmless) {
  Logger log(LogLevel::info, -1);
  log.error("x", "nowhere to go");  // must not crash or throw
}

}  // namespace
}  // namespace defender::core

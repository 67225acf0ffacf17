// Human log lines on stderr: "2026-11-29T08:55:34.123Z warn dns: upstream 10.0.0.2:53 down".
// A Logger is a small value passed to whoever logs (no global logger). One write(2) a line,
// so lines from threads never interleave. Thread-safe, never throws.
#pragma once

#include <optional>
#include <string_view>

namespace defender::core {

enum class LogLevel { debug, info, warn, error };

std::optional<LogLevel> parse_log_level(std::string_view text) noexcept;  // debug|info|warn|error

class Logger {
 public:
  explicit Logger(LogLevel min_level = LogLevel::info, int fd = 2) noexcept
      : min_level_(min_level), fd_(fd) {}

  bool enabled(LogLevel level) const noexcept { return level >= min_level_; }
  void log(LogLevel level, std::string_view component, std::string_view message) const noexcept;
  void debug(std::string_view c, std::string_view m) const noexcept { log(LogLevel::debug, c, m); }
  void info(std::string_view c, std::string_view m) const noexcept { log(LogLevel::info, c, m); }
  void warn(std::string_view c, std::string_view m) const noexcept { log(LogLevel::warn, c, m); }
  void error(std::string_view c, std::string_view m) const noexcept { log(LogLevel::error, c, m); }

 private:
  LogLevel min_level_;
  int fd_;
};

}  // namespace defender::core

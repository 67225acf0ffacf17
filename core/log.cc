#include "core/log.h"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/events.h"

namespace defender::core {
namespace {

std::string_view level_name(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) noexcept {
  if (text == "debug") return LogLevel::debug;
  if (text == "info") return LogLevel::info;
  if (text == "warn" || text == "warning") return LogLevel::warn;
  if (text == "error") return LogLevel::error;
  return std::nullopt;
}

void Logger::log(LogLevel level, std::string_view component, std::string_view message) const noexcept {
  if (!enabled(level)) return;
  try {
    std::string line = format_rfc3339_ms(now_unix_ms());
    line += ' ';
    line += level_name(level);
    line += ' ';
    line += component;
    line += ": ";
    line += message;
    line += '\n';
    // One write a line keeps lines whole across threads; retry on EINTR and short writes.
    std::size_t done = 0;
    while (done < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  } catch (...) {
    // Out of memory while logging: nothing sensible is left to do.
  }
}

}  // namespace defender::core

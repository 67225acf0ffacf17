#include "policy/decision.h"

namespace defender::policy {

std::string_view to_string(Mode mode) noexcept {
  switch (mode) {
    case Mode::disable: return "disable";
    case Mode::alert: return "alert";
    case Mode::prevent: return "prevent";
    case Mode::ban: return "ban";
  }
  return "disable";
}

std::optional<Mode> parse_mode(std::string_view text) noexcept {
  if (text == "disable") return Mode::disable;
  if (text == "alert") return Mode::alert;
  if (text == "prevent") return Mode::prevent;
  if (text == "ban") return Mode::ban;
  return std::nullopt;
}

std::string Decision::summary() const {
  std::string out = deny ? "deny " : "allow ";
  out += deny ? std::string(to_string(action)) : std::string("-");
  out += ' ';
  out += rule;
  return out;
}

}  // namespace defender::policy

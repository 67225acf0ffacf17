// Decisions are values: what a matcher or engine concluded, which rule concluded it and why.
// Callers enforce them and the event log records them; making one has no side effect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace defender::policy {

// What happens when a rule denies. `ban` exists only for CNAF protections.
enum class Mode : std::uint8_t { disable, alert, prevent, ban };

std::string_view to_string(Mode mode) noexcept;
std::optional<Mode> parse_mode(std::string_view text) noexcept;

// Identifies the rule that decided, compactly (hot paths keep this, not a string).
// `source` indexes the owning section's source table (inline list or list file);
// `index` is the position in an inline list, or the line number in a list file.
struct RuleRef {
  std::uint32_t source = 0;
  std::uint32_t index = 0;
  friend bool operator==(const RuleRef&, const RuleRef&) = default;
};

struct Decision {
  bool deny = false;
  Mode action = Mode::disable;  // meaningful when deny: alert | prevent | ban
  std::string rule;             // as `policy explain` names it: "network.deny[1]", "network.default"
  std::string reason;           // one human sentence

  // "deny prevent network.deny[1]" / "allow - network.default"
  std::string summary() const;
};

}  // namespace defender::policy

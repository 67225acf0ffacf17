// ProcessMatcher: the process policy's globs over canonical executable paths.
//
// `*` matches within one path segment, `**` across segments (any depth, including none),
// `?` one byte that is not `/`. A pattern without `/` is matched against the basename
// ("xmrig" denies any file named xmrig). Deny beats allow. Matching is O(path x pattern),
// never exponential, so attacker-chosen file names cannot stall the supervisor.
// Immutable after construction; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/decision.h"

namespace defender::policy {

class Glob {
 public:
  // nullopt and `error` set when the pattern is not a valid glob: empty, relative with a
  // slash ("bin/nc"), `**` not a whole segment ("a**"), `***`, or a NUL byte.
  static std::optional<Glob> compile(std::string_view pattern, std::string* error);
  bool matches(std::string_view path) const noexcept;
  const std::string& pattern() const noexcept { return pattern_; }

 private:
  static constexpr std::size_t kMaxTokens = 512;
  enum class Token : char { any_in_segment = 1, any_across = 2, one_char = 3 };
  std::string pattern_;
  std::string tokens_;  // literal bytes, or a Token value (literal bytes 1-3 are refused)
  bool basename_only_ = false;
};

struct ProcessMatch {
  bool deny = false;
  RuleRef rule;  // source 0: deny list, 1: allow list; index: position in it
};

class ProcessMatcher {
 public:
  static constexpr std::uint32_t kDenySource = 0;
  static constexpr std::uint32_t kAllowSource = 1;

  ProcessMatcher() = default;
  ProcessMatcher(std::vector<Glob> deny, std::vector<Glob> allow);

  // The first deny glob that matches, else the first allow glob, else nullopt.
  std::optional<ProcessMatch> match(std::string_view canonical_path) const noexcept;

  const std::vector<Glob>& deny() const noexcept { return deny_; }
  const std::vector<Glob>& allow() const noexcept { return allow_; }

 private:
  std::vector<Glob> deny_;
  std::vector<Glob> allow_;
};

}  // namespace defender::policy

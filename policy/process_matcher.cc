#include "policy/process_matcher.h"

#include <algorithm>
#include <string>

namespace defender::policy {

std::optional<Glob> Glob::compile(std::string_view pattern, std::string* error) {
  auto fail = [error](std::string message) -> std::optional<Glob> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  if (pattern.empty()) return fail("empty glob");
  if (pattern.size() > kMaxTokens) {
    return fail("glob longer than " + std::to_string(kMaxTokens) + " bytes");
  }
  Glob glob;
  glob.pattern_ = std::string(pattern);
  glob.basename_only_ = pattern.find('/') == std::string_view::npos;
  if (!glob.basename_only_ && pattern.front() != '/' && pattern.substr(0, 2) != "**") {
    return fail("glob '" + std::string(pattern) +
                "' is relative: use an absolute path, '**/name', or a bare file name");
  }
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c >= 0 && c <= 3) return fail("glob contains a control byte");
    if (c == '?') {
      glob.tokens_ += static_cast<char>(Token::one_char);
    } else if (c != '*') {
      glob.tokens_ += c;
    } else if (i + 1 < pattern.size() && pattern[i + 1] == '*') {
      if (i + 2 < pattern.size() && pattern[i + 2] == '*') return fail("'***' in glob");
      const bool starts_segment = i == 0 || pattern[i - 1] == '/';
      const bool ends_segment = i + 2 == pattern.size() || pattern[i + 2] == '/';
      if (!starts_segment || !ends_segment) {
        return fail("'**' must be a whole path segment (as in /usr/**/nc)");
      }
      glob.tokens_ += static_cast<char>(Token::any_across);
      ++i;
    } else {
      glob.tokens_ += static_cast<char>(Token::any_in_segment);
    }
  }
  return glob;
}

// NFA simulation over the token string: O(path x tokens), never exponential.
// State i means "tokens [0, i) matched". A `**` followed by '/' may also match no segment at
// all, so "/usr/**/nc" matches "/usr/nc".
bool Glob::matches(std::string_view path) const noexcept {
  if (basename_only_) {
    const std::size_t slash = path.rfind('/');
    if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  }
  const std::size_t m = tokens_.size();
  bool states_a[kMaxTokens + 1];  // compile() guarantees m <= kMaxTokens
  bool states_b[kMaxTokens + 1];
  bool* cur = states_a;
  bool* next = states_b;

  auto close = [&](bool* states) {
    for (std::size_t i = 0; i < m; ++i) {
      if (!states[i]) continue;
      const auto token = static_cast<Token>(tokens_[i]);
      if (token == Token::any_in_segment || token == Token::any_across) states[i + 1] = true;
      if (token == Token::any_across && i + 1 < m && tokens_[i + 1] == '/') states[i + 2] = true;
    }
  };
  std::fill(cur, cur + m + 1, false);
  cur[0] = true;
  close(cur);
  for (const char c : path) {
    std::fill(next, next + m + 1, false);
    bool any = false;
    for (std::size_t i = 0; i < m; ++i) {
      if (!cur[i]) continue;
      const char t = tokens_[i];
      switch (static_cast<Token>(t)) {
        case Token::any_in_segment:
          if (c != '/') next[i] = any = true;
          break;
        case Token::any_across:
          next[i] = any = true;
          break;
        case Token::one_char:
          if (c != '/') next[i + 1] = any = true;
          break;
        default:
          if (t == c) next[i + 1] = any = true;
          break;
      }
    }
    if (!any) return false;
    close(next);
    std::swap(cur, next);
  }
  return cur[m];
}

ProcessMatcher::ProcessMatcher(std::vector<Glob> deny, std::vector<Glob> allow)
    : deny_(std::move(deny)), allow_(std::move(allow)) {}

std::optional<ProcessMatch> ProcessMatcher::match(std::string_view canonical_path) const noexcept {
  for (std::size_t i = 0; i < deny_.size(); ++i) {
    if (deny_[i].matches(canonical_path)) {
      return ProcessMatch{true, RuleRef{kDenySource, static_cast<std::uint32_t>(i)}};
    }
  }
  for (std::size_t i = 0; i < allow_.size(); ++i) {
    if (allow_[i].matches(canonical_path)) {
      return ProcessMatch{false, RuleRef{kAllowSource, static_cast<std::uint32_t>(i)}};
    }
  }
  return std::nullopt;
}

}  // namespace defender::policy

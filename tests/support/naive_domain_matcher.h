// The domain rules of SPEC.md stated the slow, obvious way: every rule checked against the
// query, the most specific hit kept (longer name, then =/*. over plain, then deny over allow).
// The reference that DomainMatcher is compared with, in its unit test and its fuzz target.
// Header-only, so the fuzz build needs nothing else from tests/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "policy/domain_matcher.h"

namespace defender::testing {

struct NaiveRule {
  std::string name;  // normalised: lower case, no trailing dot, no =/*. mark
  policy::DomainRuleKind kind;
  bool deny;
  policy::RuleRef ref;
};

// ASCII lower case, one trailing dot dropped: how DomainMatcher reads names.
inline std::string normalise_domain(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

inline std::optional<policy::DomainMatch> naive_domain_match(const std::vector<NaiveRule>& rules,
                                                             std::string_view raw) {
  using policy::DomainRuleKind;
  const std::string q = normalise_domain(raw);
  if (q.empty() || q.size() > 253) return std::nullopt;
  const NaiveRule* best = nullptr;
  auto rank = [](const NaiveRule& r) {
    return std::tuple(r.name.size(), r.kind != DomainRuleKind::subtree, r.deny);
  };
  for (const NaiveRule& r : rules) {
    const bool same = q == r.name;
    const bool under = q.size() > r.name.size() && q.ends_with(r.name) &&
                       q[q.size() - r.name.size() - 1] == '.';
    const bool hit = r.kind == DomainRuleKind::subtree ? (same || under)
                     : r.kind == DomainRuleKind::exact ? same
                                                       : under;
    if (hit && (best == nullptr || rank(r) > rank(*best))) best = &r;
  }
  if (best == nullptr) return std::nullopt;
  return policy::DomainMatch{best->deny, best->kind, best->ref};
}

}  // namespace defender::testing

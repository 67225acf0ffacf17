#include "policy/policy.h"

namespace defender::policy {
namespace {

std::string indexed(std::string_view list, std::uint32_t index) {
  return std::string(list) + "[" + std::to_string(index) + "]";
}

}  // namespace

std::string_view to_string(BlockedAnswer answer) noexcept {
  switch (answer) {
    case BlockedAnswer::nxdomain: return "nxdomain";
    case BlockedAnswer::refused: return "refused";
    case BlockedAnswer::nodata: return "nodata";
    case BlockedAnswer::null_ip: return "null-ip";
  }
  return "nxdomain";
}

Decision ProcessPolicy::decide(std::string_view canonical_path) const {
  Decision decision;
  const auto match = matcher.match(canonical_path);
  if (match) {
    decision.deny = match->deny;
    const bool from_deny = match->rule.source == ProcessMatcher::kDenySource;
    decision.rule = indexed(from_deny ? "processes.deny" : "processes.allow", match->rule.index);
    const auto& glob = from_deny ? matcher.deny()[match->rule.index] : matcher.allow()[match->rule.index];
    decision.reason = std::string(canonical_path) + " matches '" + glob.pattern() + "'";
  } else {
    decision.deny = default_decision == DefaultDecision::deny;
    decision.rule = "processes.default";
    decision.reason = std::string(canonical_path) + " matches no rule; the default is " +
                      (decision.deny ? "deny" : "allow");
  }
  if (decision.deny) decision.action = action;
  return decision;
}

bool NetworkPolicy::denies(std::string_view name, std::optional<DomainMatch>* match) const noexcept {
  const auto found = matcher->match(name);
  if (match != nullptr) *match = found;
  return found ? found->deny : default_decision == DefaultDecision::deny;
}

std::string NetworkPolicy::rule_name(const std::optional<DomainMatch>& match) const {
  if (!match) return "network.default";
  const std::uint32_t source = match->rule.source;
  if (source < 2) return indexed(sources[source], match->rule.index);
  return sources[source] + ":" + std::to_string(match->rule.index);
}

Decision NetworkPolicy::decide(std::string_view name) const {
  Decision decision;
  std::optional<DomainMatch> match;
  decision.deny = denies(name, &match);
  decision.rule = rule_name(match);
  if (match) {
    static constexpr std::string_view kKinds[] = {"itself and every name under it",
                                                  "exactly", "only names under it"};
    decision.reason = std::string(name) + " is matched by a " + (match->deny ? "deny" : "allow") +
                      " rule (" + std::string(kKinds[static_cast<int>(match->kind)]) + ")";
  } else {
    decision.reason = std::string(name) + " matches no rule; the default is " +
                      (decision.deny ? "deny" : "allow");
  }
  if (decision.deny) decision.action = action;
  return decision;
}

}  // namespace defender::policy

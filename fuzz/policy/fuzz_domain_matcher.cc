// Fuzz target for policy::DomainMatcher: the input is rules, a blank line, then queries, one
// per line ("!" before a rule makes it a deny). Every accepted rule must be valid by an
// independent check, and every query must get the same answer as a naive scan of the rules.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "policy/domain_matcher.h"
#include "tests/support/naive_domain_matcher.h"

namespace {

using defender::policy::DomainMatch;
using defender::policy::DomainMatcher;
using defender::policy::DomainRuleKind;
using defender::policy::RuleRef;

using Rule = defender::testing::NaiveRule;

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The SPEC's syntax, written differently from the matcher: split into labels and check each.
std::optional<Rule> parse(std::string_view p, bool deny, RuleRef ref) {
  DomainRuleKind kind = DomainRuleKind::subtree;
  if (p.starts_with("=")) {
    kind = DomainRuleKind::exact;
    p.remove_prefix(1);
  } else if (p.starts_with("*.")) {
    kind = DomainRuleKind::children;
    p.remove_prefix(2);
  }
  if (p.ends_with(".")) p.remove_suffix(1);
  if (p.empty() || p.size() > 253) return std::nullopt;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = p.find('.', start);
    const std::string_view label =
        p.substr(start, dot == std::string_view::npos ? p.npos : dot - start);
    if (label.empty() || label.size() > 63) return std::nullopt;
    for (const char c : label) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
      if (!ok) return std::nullopt;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return Rule{lowered(p), kind, deny, ref};
}

std::vector<std::string_view> lines(std::string_view text, std::size_t limit) {
  std::vector<std::string_view> out;
  while (!text.empty() && out.size() < limit) {
    const std::size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find("\n\n");
  const std::string_view rule_text = input.substr(0, split);
  const std::string_view query_text =
      split == std::string_view::npos ? std::string_view() : input.substr(split + 2);

  DomainMatcher::Builder builder;
  std::vector<Rule> reference;
  std::uint32_t index = 0;
  std::size_t accepted = 0;
  for (std::string_view line : lines(rule_text, 256)) {
    const bool deny = line.starts_with("!");
    if (deny) line.remove_prefix(1);
    const RuleRef ref{0, index++};
    const auto error = builder.add(line, deny, ref);
    const auto rule = parse(line, deny, ref);
    if (error.has_value() == rule.has_value()) std::abort();  // validators disagree
    if (error && error->empty()) std::abort();
    if (!rule) continue;
    ++accepted;
    bool dup = false;
    for (const Rule& r : reference) {
      dup = dup || (r.name == rule->name && r.kind == rule->kind && r.deny == deny);
    }
    if (!dup) reference.push_back(*rule);
  }
  auto result = std::move(builder).build();
  if (result.matcher.rule_count() != reference.size()) std::abort();
  if (reference.size() + result.duplicates.size() != accepted) std::abort();

  std::vector<std::string_view> queries = lines(query_text, 256);
  // Every rule name, and a name under it, is a query too: most inputs would miss otherwise.
  std::vector<std::string> extra;
  for (const Rule& r : reference) {
    extra.push_back(r.name);
    extra.push_back("x." + r.name);
  }
  for (const std::string& e : extra) queries.push_back(e);
  for (const std::string_view q : queries) {
    const auto got = result.matcher.match(q);
    const auto want = defender::testing::naive_domain_match(reference, q);
    if (got.has_value() != want.has_value()) std::abort();
    if (got && (got->deny != want->deny || got->kind != want->kind || !(got->rule == want->rule))) {
      std::abort();
    }
  }
  return 0;
}

#include "policy/domain_matcher.h"
#include "tests/support/naive_domain_matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <tuple>
#include <unordered_map>
#include <string>
#include <vector>

namespace defender::policy {
namespace {

struct Rule {
  std::string pattern;
  bool deny;
};

// Rule i gets RuleRef{7, i} so the tables below name rules by their position.
DomainMatcher build(const std::vector<Rule>& rules) {
  DomainMatcher::Builder builder;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    auto error = builder.add(rules[i].pattern, rules[i].deny, {7, static_cast<std::uint32_t>(i)});
    EXPECT_FALSE(error) << rules[i].pattern << ": " << *error;
  }
  return std::move(builder).build().matcher;
}

constexpr int kNone = -1;

struct Case {
  std::vector<Rule> rules;
  std::string query;
  int rule;  // index of the deciding rule, or kNone
};

// The verdict is the deciding rule's; kind must be the rule's kind too.
void check(const Case& c) {
  const DomainMatcher matcher = build(c.rules);
  const auto match = matcher.match(c.query);
  if (c.rule == kNone) {
    EXPECT_FALSE(match) << "query " << c.query << " matched rule " << match->rule.index;
    return;
  }
  ASSERT_TRUE(match) << "query " << c.query << " matched nothing";
  EXPECT_EQ(match->rule, (RuleRef{7, static_cast<std::uint32_t>(c.rule)})) << "query " << c.query;
  const Rule& rule = c.rules[static_cast<std::size_t>(c.rule)];
  EXPECT_EQ(match->deny, rule.deny) << "query " << c.query;
  const DomainRuleKind kind = rule.pattern.starts_with("=")    ? DomainRuleKind::exact
                              : rule.pattern.starts_with("*.") ? DomainRuleKind::children
                                                               : DomainRuleKind::subtree;
  EXPECT_EQ(match->kind, kind) << "query " << c.query;
}

TEST(DomainMatcher, SubtreeExactAndChildren) {
  const std::vector<Case> cases = {
      // plain name: the name and everything under it
      {{{"evil.example", true}}, "evil.example", 0},
      {{{"evil.example", true}}, "a.evil.example", 0},
      {{{"evil.example", true}}, "x.y.z.evil.example", 0},
      {{{"evil.example", true}}, "notevil.example", kNone},
      {{{"evil.example", true}}, "example", kNone},
      {{{"evil.example", true}}, "evil.example.com", kNone},
      // =name: the name alone
      {{{"=evil.example", true}}, "evil.example", 0},
      {{{"=evil.example", true}}, "a.evil.example", kNone},
      // *.name: strictly under
      {{{"*.evil.example", true}}, "evil.example", kNone},
      {{{"*.evil.example", true}}, "a.evil.example", 0},
      {{{"*.evil.example", true}}, "b.a.evil.example", 0},
      {{{"*.evil.example", true}}, "aevil.example", kNone},
      // single label (TLD) rules
      {{{"zip", true}}, "download.zip", 0},
      {{{"zip", true}}, "zip", 0},
      {{{"*.zip", true}}, "zip", kNone},
  };
  for (const Case& c : cases) check(c);
}

TEST(DomainMatcher, CaseAndTrailingDotIgnored) {
  const std::vector<Case> cases = {
      {{{"Evil.EXAMPLE", true}}, "evil.example", 0},
      {{{"evil.example", true}}, "EVIL.Example", 0},
      {{{"evil.example.", true}}, "evil.example", 0},
      {{{"evil.example", true}}, "evil.example.", 0},
      {{{"=Evil.Example.", true}}, "EVIL.EXAMPLE.", 0},
      {{{"*.EVIL.example.", true}}, "WWW.evil.EXAMPLE.", 0},
      {{{"*.EVIL.example.", true}}, "evil.example.", kNone},
      // only one trailing dot is a root marker; two leave an empty last label
      {{{"evil.example", true}}, "evil.example..", kNone},
  };
  for (const Case& c : cases) check(c);
}

TEST(DomainMatcher, MostSpecificWins) {
  const std::vector<Case> cases = {
      // longer name wins whatever the verdict or order
      {{{"example.com", true}, {"good.example.com", false}}, "good.example.com", 1},
      {{{"example.com", true}, {"good.example.com", false}}, "x.good.example.com", 1},
      {{{"example.com", true}, {"good.example.com", false}}, "bad.example.com", 0},
      {{{"good.example.com", false}, {"example.com", true}}, "a.good.example.com", 0},
      {{{"example.com", false}, {"bad.example.com", true}}, "bad.example.com", 1},
      {{{"com", true}, {"example.com", false}, {"=a.example.com", true}}, "a.example.com", 2},
      {{{"com", true}, {"example.com", false}, {"=a.example.com", true}}, "b.a.example.com", 1},
      {{{"com", true}, {"example.com", false}, {"=a.example.com", true}}, "other.com", 0},
      // a *.rule on a parent vs a plain rule on the name itself: the name is longer
      {{{"*.example.com", true}, {"www.example.com", false}}, "www.example.com", 1},
      // =rule on a longer name does not apply below it; a shorter rule decides
      {{{"example.com", false}, {"=www.example.com", true}}, "a.www.example.com", 0},
  };
  for (const Case& c : cases) check(c);
}

TEST(DomainMatcher, EqualLengthTieBreaks) {
  const std::vector<Case> cases = {
      // same name, allow and deny: deny wins (either order)
      {{{"example.com", false}, {"example.com", true}}, "example.com", 1},
      {{{"example.com", true}, {"example.com", false}}, "a.example.com", 0},
      // =name beats plain name for the name itself, whatever the verdicts
      {{{"example.com", true}, {"=example.com", false}}, "example.com", 1},
      {{{"=example.com", false}, {"example.com", true}}, "example.com", 0},
      {{{"example.com", true}, {"=example.com", false}}, "www.example.com", 0},
      // *.name beats plain name below it
      {{{"example.com", false}, {"*.example.com", true}}, "www.example.com", 1},
      {{{"example.com", true}, {"*.example.com", false}}, "www.example.com", 1},
      {{{"example.com", true}, {"*.example.com", false}}, "example.com", 0},
      // among specific rules, deny beats allow
      {{{"=example.com", false}, {"=example.com", true}}, "example.com", 1},
      {{{"*.example.com", false}, {"*.example.com", true}}, "a.example.com", 1},
      // all six on one name
      {{{"example.com", false},
        {"example.com", true},
        {"=example.com", false},
        {"=example.com", true},
        {"*.example.com", false},
        {"*.example.com", true}},
       "example.com",
       3},
      {{{"example.com", false},
        {"example.com", true},
        {"=example.com", false},
        {"=example.com", true},
        {"*.example.com", false},
        {"*.example.com", true}},
       "x.example.com",
       5},
      {{{"example.com", false}, {"=example.com", false}, {"*.example.com", false}},
       "x.example.com",
       2},
  };
  for (const Case& c : cases) check(c);
}

TEST(DomainMatcher, DeepAndOddQueries) {
  // 127 one-byte labels: the deepest name that fits in 253 bytes.
  std::string deep = "a";
  for (int i = 0; i < 126; ++i) deep += ".a";
  ASSERT_EQ(deep.size(), 253u);
  const std::vector<Case> cases = {
      {{{"a.a", true}}, deep, 0},
      {{{"=" + deep, true}}, deep, 0},
      {{{"*." + deep.substr(2), true}}, deep, 0},
      {{{"a.a", true}}, deep + ".", 0},
      {{{"a.a", true}}, "b." + deep, kNone},  // too long for a DNS name: matches nothing
      // bytes no rule may contain still let the parent's rule decide
      {{{"evil.example", true}}, "we!rd\xff\x01.evil.example", 0},
      {{{"evil.example", true}}, "a..evil.example", 0},
      {{{"evil.example", true}}, ".evil.example", 0},
      {{{"evil.example", true}}, "", kNone},
      {{{"evil.example", true}}, ".", kNone},
      {{{"evil.example", true}}, "..", kNone},
      {{{"evil.example", true}}, std::string(1000, '.'), kNone},
      {{{"evil.example", true}}, std::string("evil\0example", 12), kNone},
  };
  for (const Case& c : cases) check(c);
}

TEST(DomainMatcher, LongLabelsAndNames) {
  const std::string label63(63, 'x');
  const std::string name253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'y');
  ASSERT_EQ(name253.size(), 253u);
  DomainMatcher::Builder builder;
  EXPECT_FALSE(builder.add(label63 + ".com", true, {}));
  EXPECT_FALSE(builder.add(name253, true, {0, 1}));
  EXPECT_FALSE(builder.add(name253 + ".", true, {0, 2}));  // trailing dot: same name, duplicate
  auto result = std::move(builder).build();
  EXPECT_TRUE(result.matcher.match(label63 + ".com"));
  EXPECT_TRUE(result.matcher.match(name253));
  ASSERT_EQ(result.duplicates.size(), 1u);
  EXPECT_EQ(result.duplicates[0].first, (RuleRef{0, 2}));
  EXPECT_EQ(result.duplicates[0].second, (RuleRef{0, 1}));
}

TEST(DomainMatcher, InvalidPatternsAreReported) {
  struct Bad {
    std::string pattern;
    std::string message;  // a part of the message
  };
  const std::vector<Bad> bad = {
      {"", "empty name"},
      {"*", "'*' alone"},
      {"*.", "'*' alone"},
      {"=*", "'*' alone"},
      {".", "no name"},
      {"=", "no name"},
      {"=.", "no name"},
      {"a..b", "empty label"},
      {".a.b", "empty label"},
      {"a.b..", "empty label"},
      {std::string(64, 'a') + ".com", "label longer than 63 bytes"},
      {std::string(63, 'a') + "." + std::string(63, 'a') + "." + std::string(63, 'a') + "." +
           std::string(63, 'a'),
       "name longer than 253 bytes"},
      {"*a.com", "'*' is only allowed as the whole first label"},
      {"a.*.com", "'*' is only allowed as the whole first label"},
      {"*.*.com", "'*' is only allowed as the whole first label"},
      {"=*.com", "'*' is only allowed as the whole first label"},
      {"**.com", "'*' is only allowed as the whole first label"},
      {"ex ample.com", "invalid character \" \""},
      {"exa/mple.com", "invalid character \"/\""},
      {"caf\xc3\xa9.com", "invalid character \"\\xc3\""},
      {"a.com\n", "invalid character \"\\x0a\""},
      {"==a.com", "invalid character \"=\""},
      {"http://a.com", "invalid character \":\""},
      {"1.2.3.4:53", "invalid character \":\""},
  };
  for (const Bad& b : bad) {
    DomainMatcher::Builder builder;
    const auto error = builder.add(b.pattern, true, {});
    ASSERT_TRUE(error) << "accepted: " << b.pattern;
    EXPECT_NE(error->find(b.message), std::string::npos) << *error;
    EXPECT_TRUE(error->starts_with("invalid domain \"")) << *error;
  }
  // A rejected rule is not queued.
  DomainMatcher::Builder builder;
  EXPECT_TRUE(builder.add("a..com", true, {}));
  const auto result = std::move(builder).build();
  EXPECT_EQ(result.matcher.rule_count(), 0u);
  EXPECT_FALSE(result.matcher.match("com"));
}

TEST(DomainMatcher, ValidOddButLegalPatterns) {
  for (const std::string pattern : {"_dmarc.example.com", "xn--caf-dma.com", "-a-.b", "0.0.0.0",
                                    "a_b.c", "A.B.C.", "*.a", "=a"}) {
    DomainMatcher::Builder builder;
    EXPECT_FALSE(builder.add(pattern, true, {})) << pattern;
  }
}

TEST(DomainMatcher, DuplicatesReportedOnceStoredOnce) {
  DomainMatcher::Builder builder;
  EXPECT_FALSE(builder.add("a.com", true, {0, 0}));
  EXPECT_FALSE(builder.add("A.COM.", true, {0, 1}));    // duplicate of 0
  EXPECT_FALSE(builder.add("a.com", false, {0, 2}));    // other verdict: legal
  EXPECT_FALSE(builder.add("=a.com", true, {0, 3}));    // other kind: legal
  EXPECT_FALSE(builder.add("=a.com", true, {1, 4}));    // duplicate of 3
  EXPECT_FALSE(builder.add("a.com", true, {2, 5}));     // duplicate of 0 again
  EXPECT_FALSE(builder.add("a.com", false, {2, 6}));    // duplicate of 2
  auto result = std::move(builder).build();
  using P = std::pair<RuleRef, RuleRef>;
  const std::vector<P> expected = {P{{0, 1}, {0, 0}}, P{{1, 4}, {0, 3}}, P{{2, 5}, {0, 0}},
                                   P{{2, 6}, {0, 2}}};
  EXPECT_EQ(result.duplicates, expected);
  EXPECT_EQ(result.matcher.rule_count(), 3u);
  EXPECT_EQ(result.matcher.match("a.com")->rule, (RuleRef{0, 3}));
  EXPECT_EQ(result.matcher.match("b.a.com")->rule, (RuleRef{0, 0}));
}

TEST(DomainMatcher, EmptyAndMovedFromMatchNothing) {
  DomainMatcher empty;
  EXPECT_FALSE(empty.match("a.com"));
  EXPECT_EQ(empty.rule_count(), 0u);
  EXPECT_EQ(empty.memory_bytes(), 0u);

  auto built = std::move(DomainMatcher::Builder{}).build();
  EXPECT_FALSE(built.matcher.match("a.com"));
  EXPECT_TRUE(built.duplicates.empty());

  DomainMatcher one = build({{"a.com", true}});
  EXPECT_GT(one.memory_bytes(), 0u);
  DomainMatcher moved = std::move(one);
  EXPECT_TRUE(moved.match("a.com"));
  EXPECT_FALSE(one.match("a.com"));  // NOLINT(bugprone-use-after-move): documented state
}

// ---- against a naive reference -------------------------------------------------------------

using RefRule = defender::testing::NaiveRule;

std::string normalise(const std::string& s) { return defender::testing::normalise_domain(s); }

std::optional<DomainMatch> naive(const std::vector<RefRule>& rules, const std::string& query) {
  return defender::testing::naive_domain_match(rules, query);
}

TEST(DomainMatcher, AgreesWithNaiveReferenceOnRandomNames) {
  std::mt19937_64 rng(12345);
  // Small alphabets and few labels make collisions between rules and queries frequent.
  const std::vector<std::string> labels = {"a", "b", "ab", "www", "Mail", "x-1", "c_d", "zz"};
  const std::vector<std::string> tlds = {"com", "net", "ORG", "io"};
  auto random_name = [&](int max_labels) {
    std::string name = tlds[rng() % tlds.size()];
    const int depth = static_cast<int>(rng() % static_cast<unsigned>(max_labels));
    for (int i = 0; i < depth; ++i) name = labels[rng() % labels.size()] + "." + name;
    if (rng() % 5 == 0) name += ".";
    return name;
  };

  constexpr std::size_t kRules = 2000;
  std::vector<RefRule> reference;
  DomainMatcher::Builder builder;
  for (std::uint32_t i = 0; i < kRules; ++i) {
    std::string name = random_name(4);
    const auto kind = static_cast<DomainRuleKind>(rng() % 3);
    const bool deny = rng() % 2 == 0;
    const std::string pattern = kind == DomainRuleKind::exact      ? "=" + name
                                : kind == DomainRuleKind::children ? "*." + name
                                                                   : name;
    ASSERT_FALSE(builder.add(pattern, deny, {0, i})) << pattern;
    const std::string norm = normalise(name);
    const bool dup = std::any_of(reference.begin(), reference.end(), [&](const RefRule& r) {
      return r.name == norm && r.kind == kind && r.deny == deny;
    });
    if (!dup) reference.push_back({norm, kind, deny, {0, i}});
  }
  auto result = std::move(builder).build();
  EXPECT_EQ(result.matcher.rule_count(), reference.size());
  EXPECT_EQ(result.duplicates.size(), kRules - reference.size());

  for (int q = 0; q < 20000; ++q) {
    const std::string query = random_name(6);
    const auto got = result.matcher.match(query);
    const auto want = naive(reference, query);
    ASSERT_EQ(got.has_value(), want.has_value()) << query;
    if (got) {
      EXPECT_EQ(got->rule, want->rule) << query;
      EXPECT_EQ(got->deny, want->deny) << query;
      EXPECT_EQ(got->kind, want->kind) << query;
    }
  }
}

// 100k random rules of every kind and verdict, checked against the naive scan on a sample of
// queries and against a map-based reference (the naive scan's rule, found per suffix) on all.
TEST(DomainMatcher, HundredThousandRandomRulesAgainstReference) {
  std::mt19937_64 rng(99);
  auto label = [&] {
    std::string s;
    const std::size_t len = 1 + rng() % 3;  // short labels: rules overlap and nest often
    for (std::size_t i = 0; i < len; ++i) s += static_cast<char>('a' + rng() % 6);
    return s;
  };
  auto random_name = [&](unsigned tlds) {  // rules use 20 TLDs, queries 40 (some miss)
    std::string name = "t" + std::to_string(rng() % tlds);
    const std::size_t depth = rng() % 4;
    for (std::size_t i = 0; i < depth; ++i) name = label() + "." + name;
    return name;
  };
  constexpr std::uint32_t kRules = 100000;
  std::vector<RefRule> reference;
  std::set<std::tuple<std::string, DomainRuleKind, bool>> seen;
  DomainMatcher::Builder builder;
  builder.reserve(kRules);
  for (std::uint32_t i = 0; i < kRules; ++i) {
    const std::string name = random_name(20);
    const auto kind = static_cast<DomainRuleKind>(rng() % 3);
    const bool deny = rng() % 2 == 0;
    const std::string pattern = kind == DomainRuleKind::exact      ? "=" + name
                                : kind == DomainRuleKind::children ? "*." + name
                                                                   : name;
    ASSERT_FALSE(builder.add(pattern, deny, {3, i})) << pattern;
    if (seen.emplace(name, kind, deny).second) reference.push_back({name, kind, deny, {3, i}});
  }
  auto result = std::move(builder).build();
  ASSERT_EQ(result.matcher.rule_count(), reference.size());
  EXPECT_EQ(result.duplicates.size(), kRules - reference.size());
  EXPECT_LT(result.matcher.memory_bytes(), std::size_t{100} * kRules);

  // The map reference: rules by name; a query walks its suffixes, longest first.
  std::unordered_map<std::string, std::vector<const RefRule*>> by_name;
  for (const RefRule& r : reference) by_name[r.name].push_back(&r);
  auto via_map = [&](const std::string& q) -> std::optional<DomainMatch> {
    for (std::size_t start = 0;;) {
      const auto it = by_name.find(q.substr(start));
      if (it != by_name.end()) {
        const RefRule* best = nullptr;
        for (const RefRule* r : it->second) {
          const bool applies = r->kind == DomainRuleKind::subtree ||
                               (r->kind == DomainRuleKind::exact) == (start == 0);
          const auto rank = [](const RefRule* x) {
            return std::pair(x->kind != DomainRuleKind::subtree, x->deny);
          };
          if (applies && (best == nullptr || rank(r) > rank(best))) best = r;
        }
        if (best != nullptr) return DomainMatch{best->deny, best->kind, best->ref};
      }
      const std::size_t dot = q.find('.', start);
      if (dot == std::string::npos) return std::nullopt;
      start = dot + 1;
    }
  };

  std::size_t hits = 0;
  for (int n = 0; n < 100000; ++n) {
    const std::string query = label() + "." + random_name(40);
    const auto got = result.matcher.match(query);
    const auto want = n < 300 ? naive(reference, query) : via_map(query);
    ASSERT_EQ(got.has_value(), want.has_value()) << query;
    if (got) {
      ++hits;
      ASSERT_EQ(got->rule, want->rule) << query;
      ASSERT_EQ(got->deny, want->deny) << query;
      ASSERT_EQ(got->kind, want->kind) << query;
    }
  }
  EXPECT_GT(hits, 1000u);                // the generator does produce matches...
  EXPECT_LT(hits, std::size_t{99000});  // ...and misses
}

}  // namespace
}  // namespace defender::policy

// bench_domain_matcher: build time, memory and lookup cost of policy::DomainMatcher at 100k
// and 1M random, realistic names (label.label.tld, generated deterministically).
//
//   bench_domain_matcher [N ...]     (default: 100000 1000000)
//
// Prints one line per size:
//   names=N rules=.. build_ms=.. (add ..) bytes_per_name=.. rss_bytes_per_name=..
//   hit_ns=.. deep_hit_ns=.. miss_ns=.. lookups_per_s=..M misses_that_hit=..
// lookups_per_s is one thread's rate over the three query sets together (hits: a rule's own
// name; deep hits: www.cdn.<rule>; misses: other random names). Each timing includes reading
// the queries from a vector of 1M std::string (a cache miss of its own per query).
// bytes_per_name is memory_bytes()/N (everything the matcher owns); rss_bytes_per_name is the
// process's resident-set growth across the build, after malloc_trim() returned the builder's
// freed staging memory, divided by N.
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "policy/domain_matcher.h"

namespace {

using defender::policy::DomainMatcher;
using Clock = std::chrono::steady_clock;

const char* const kTlds[] = {"com", "net", "org", "io", "de", "ru", "cn", "info", "xyz", "co.uk",
                             "top", "online", "site", "fr", "br", "biz"};

std::string label(std::mt19937_64& rng) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
  const std::size_t len = 3 + rng() % 10;
  std::string s;
  for (std::size_t i = 0; i < len; ++i) {
    s += kChars[rng() % (i == 0 || i + 1 == len ? 36 : 37)];  // no '-' at either end
  }
  return s;
}

std::vector<std::string> names(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string name = rng() % 3 == 0 ? label(rng) + "." : std::string();
    name += label(rng) + "." + kTlds[rng() % (sizeof kTlds / sizeof *kTlds)];
    out.push_back(std::move(name));
  }
  return out;
}

long rss_bytes() {
  long pages = 0, resident = 0;
  std::ifstream statm("/proc/self/statm");
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

double ns_per_lookup(const DomainMatcher& matcher, const std::vector<std::string>& queries,
                     std::size_t& hits) {
  const auto start = Clock::now();
  for (const std::string& q : queries) hits += matcher.match(q).has_value() ? 1 : 0;
  const std::chrono::duration<double, std::nano> took = Clock::now() - start;
  return took.count() / static_cast<double>(queries.size());
}

void run(std::size_t n) {
  const std::vector<std::string> rules = names(n, 1);
  constexpr std::size_t kQueries = 1000000;
  std::vector<std::string> hits, deep, misses;
  std::mt19937_64 rng(7);
  for (std::size_t i = 0; i < kQueries; ++i) {
    const std::string& rule = rules[rng() % n];
    hits.push_back(rule);
    deep.push_back("www.cdn." + rule);
  }
  misses = names(kQueries, 2);  // other random names: (almost all) match nothing

  const long rss_before = rss_bytes();
  const auto start = Clock::now();
  DomainMatcher::Builder builder;
  builder.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (auto error = builder.add(rules[i], i % 2 == 0, {0, static_cast<std::uint32_t>(i)})) {
      std::fprintf(stderr, "bench_domain_matcher: %s\n", error->c_str());
      std::exit(1);
    }
  }
  const auto added = Clock::now();
  auto result = std::move(builder).build();
  const std::chrono::duration<double, std::milli> build_ms = Clock::now() - start;
  const std::chrono::duration<double, std::milli> add_ms = added - start;
  malloc_trim(0);  // hand the builder's freed staging memory back before measuring
  const long rss_after = rss_bytes();
  const DomainMatcher& matcher = result.matcher;

  std::size_t found = 0, found_deep = 0, found_miss = 0;
  const double hit_ns = ns_per_lookup(matcher, hits, found);
  const double deep_ns = ns_per_lookup(matcher, deep, found_deep);
  const double miss_ns = ns_per_lookup(matcher, misses, found_miss);
  if (found != kQueries || found_deep != kQueries) {
    std::fprintf(stderr, "bench_domain_matcher: a hit was missed (%zu, %zu)\n", found, found_deep);
    std::exit(1);
  }
  std::printf(
      "names=%zu rules=%zu build_ms=%.0f (add %.0f) bytes_per_name=%.1f rss_bytes_per_name=%.1f "
      "hit_ns=%.0f deep_hit_ns=%.0f miss_ns=%.0f lookups_per_s=%.2fM misses_that_hit=%zu\n",
      n, matcher.rule_count(), build_ms.count(), add_ms.count(),
      static_cast<double>(matcher.memory_bytes()) / static_cast<double>(n),
      static_cast<double>(rss_after - rss_before) / static_cast<double>(n), hit_ns, deep_ns,
      miss_ns, 3e3 / (hit_ns + deep_ns + miss_ns), found_miss);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes;
  for (int i = 1; i < argc; ++i) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(argv[i], &end, 10);
    if (end == argv[i] || *end != '\0' || n == 0 || n > 50000000) {
      std::fprintf(stderr, "usage: bench_domain_matcher [N ...]  (1 <= N <= 50000000)\n");
      return 2;
    }
    sizes.push_back(n);
  }
  if (sizes.empty()) sizes = {100000, 1000000};
  for (const std::size_t n : sizes) run(n);
  return 0;
}

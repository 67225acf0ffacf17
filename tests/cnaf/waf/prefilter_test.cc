// The detector prefilters (cmdi_possible, sqli_possible) against their detectors: on generated text
// made of the words and characters each prefilter reasons about, a prefilter that says "cannot
// match" must never be contradicted by the detector. Bounded, seeded: the same cases each run.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>

#include "cnaf/waf/detectors/sql_tokenizer.h"
#include "cnaf/waf/transforms/hex.h"
#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::Value;

// Words: the detector's programs, wrappers and statements, English, numbers.
constexpr std::array<std::string_view, 64> kWords = {
    "if", "for", "exist", "defined", "errorlevel", "not", "time", "nohup", "env", "sudo",
    "strace", "xargs", "timeout", "1", "wget", "curl", "http", "ftp", "socat", "tcp", "exec",
    "bash", "sh", "zsh", "nc", "ncat", "python3", "perl", "ruby", "php", "node", "powershell",
    "pwsh", "rm", "rf", "certutil", "urlcache", "cmd", "exe", "type", "cat", "ls", "id",
    "whoami", "uname", "ping", "echo", "dir", "net", "user", "wrapper", "item", "number",
    "the", "plain", "description", "of", "special", "7919", "2024", "x", "c", "e", "i"};
constexpr std::array<std::string_view, 18> kGlue = {
    " ", " ", " ", "  ", "\t", ",", ", ", ".", "=", "-", " -", "_", "+", "~", "!", "?", "^", "\xc3\xa9"};

// Up to `max_words` words joined by glue; glue before the first word one time in `lead`,
// after a word one time in `trail` (0: never); one text in three in random mixed case.
template <std::size_t W, std::size_t G>
std::string sample(std::mt19937& rng, const std::array<std::string_view, W>& words,
                   const std::array<std::string_view, G>& glue, unsigned max_words, unsigned lead, unsigned trail) {
  std::string s;
  const unsigned n = 1 + static_cast<unsigned>(rng() % max_words);
  if (rng() % lead == 0) s += glue[rng() % glue.size()];
  for (unsigned k = 0; k < n; ++k) {
    if (k > 0) s += glue[rng() % glue.size()];
    s += words[rng() % words.size()];
    if (trail != 0 && rng() % trail == 0) s += glue[rng() % glue.size()];
  }
  if (rng() % 3 == 0) {
    for (auto& c : s)
      if (c >= 'a' && c <= 'z' && rng() % 2 == 0) c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

TEST(Prefilter, CmdiNeverSkipsAMatch) {
  std::mt19937 rng(20261129);
  std::size_t skipped = 0, matched = 0;
  for (int n = 0; n < 200000; ++n) {
    const std::string text = sample(rng, kWords, kGlue, 6, 4, 8);
    Value value(text, Source::query);
    Scratch scratch;
    Hit hit;
    const bool detected = detect_cmdi(value.v, scratch, hit);
    matched += detected;
    if (!cmdi_possible(value.v)) {
      ++skipped;
      ASSERT_FALSE(detected) << "prefilter skips a value detect_cmdi matches: [" << text << "]";
    }
  }
  // The generator reaches both sides.
  EXPECT_GT(skipped, 10000u);
  EXPECT_GT(matched, 100u);
}

TEST(Prefilter, CmdiKnownCases) {
  for (const std::string_view s : {"sudo ls", "curl http://x", "  wget ftp.x", "if exist x echo",
                                   "bash -i", "x -wrapper sh,y", "cat;id", "a|id", "`id`"}) {
    Value value(s, Source::query);
    EXPECT_TRUE(cmdi_possible(value.v)) << s;
  }
  for (const std::string_view s : {"Item number 12", "A plain description of the item, nothing special.",
                                   "Some ordinary text, with punctuation and numbers 31"}) {
    Value value(s, Source::query);
    EXPECT_FALSE(cmdi_possible(value.v)) << s;
  }
}

// SQL: words that are no keyword (some close to one), the identifiers and numbers
// injections use, and keywords, so that the generator lands on both sides of the prefilter.
constexpr std::array<std::string_view, 92> kSqlWords = {
    "users", "password", "admin", "id", "name", "x", "a", "t1", "col", "tbl", "selects", "unions",
    "ordered", "grouping", "sleeper", "version1", "blue", "cotton", "shirt", "item", "number",
    "ordinary", "text", "0", "1", "2", "42", "2024", "0x41", "1e5", "12abc", "12and", "0x41union",
    "0x410select", "1e5select", "1e+5or", "0bad", "0b1union", "1funion", "2dor", "3fish", "1day",
    // keywords and functions: the detector decides, the prefilter lets connectives between
    // words through (and, or, some, as, in, from, when, then, case ...)
    "union", "select", "or", "and", "order", "by", "from", "where", "sleep", "benchmark", "having",
    "limit", "true", "null", "like", "exec", "sysobjects", "user", "version", "database", "count",
    "char", "concat", "substring", "ascii", "hex", "some", "any", "all", "as", "in", "on", "into",
    "case", "when", "then", "else", "end", "set", "top", "table", "values", "join", "desc", "exists",
    "xor", "outfile", "is", "not", "between"};
constexpr std::array<std::string_view, 9> kSqlGlue = {" ", " ", "  ", ",", ", ", "\t", "\n", " ,", "\r\n"};

TEST(Prefilter, SqliNeverSkipsAMatch) {
  std::mt19937 rng(20261130);
  std::size_t plain = 0, matched = 0;
  for (int n = 0; n < 200000; ++n) {
    const std::string text = sample(rng, kSqlWords, kSqlGlue, 8, 5, 0);
    for (const Source source : {Source::query, Source::json, Source::path_segment}) {
      Value value(text, source);
      Scratch scratch;
      Hit hit;
      const bool detected = detect_sqli(value.v, scratch, hit);
      matched += detected;
      // What the Waf skips: the detector must agree there is nothing.
      const bool skipped = !sqli_possible(value.v);
      if (!skipped) continue;
      ++plain;
      ASSERT_FALSE(detected) << "prefilter skips a value detect_sqli matches: [" << text << "]";
    }
  }
  EXPECT_GT(plain, 20000u);
  EXPECT_GT(matched, 1000u);
}

std::string lower(std::string_view s) {
  std::string l(s);
  for (auto& c : l) c = ascii_lower(c);
  return l;
}

TEST(Prefilter, SqlPlainWordsKnownCases) {
  for (const std::string_view s : {"Blue cotton shirt", "Item number 12", "John Smith, 42", "t1 t2\nt3", "user count, date",
                                   "Some ordinary text, with punctuation and numbers 31", "Salt and pepper, 2 jars",
                                   "In stock", "From Paris with love", "Rock or roll and jazz", "A case study"})
    EXPECT_TRUE(sql_plain_words(lower(s))) << s;
  for (const std::string_view s : {"1 union select password from users", "admin order by 3", "x or true",
                                   "sysobjects", "1.5", "a_b", "v$version", "caf\xc3\xa9", "1 --", "select",
                                   // connectives next to numbers, commas or each other, or last
                                   "1 and 2", "x and 5", "x, and y", "and", "x and", "x and or y", "12and x",
                                   "5 apples and pears", "Case study when markets then collapse end now",
                                   // a number, then a keyword as its own token
                                   "0x410select 0x41 cat", "1e5union x", "0b1union x"})
    EXPECT_FALSE(sql_plain_words(lower(s))) << s;
}

}  // namespace
}  // namespace defender::cnaf::waf

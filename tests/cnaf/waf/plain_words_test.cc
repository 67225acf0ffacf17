// The plain-words path (cnaf/waf/plain_words.h) against the detectors: on generated values,
// raw and URL-encoded, a value the path calls clean must be one no detector matches once
// decoded as the general path decodes it. Bounded, seeded: the same cases each run.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>

#include "cnaf/waf/plain_words.h"
#include "cnaf/waf/simd.h"
#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::Value;

// Words of prose, SQL, commands, and base64 that holds a serialized object or a gadget name.
// Also the words detectors read before a period ("session.", "ognl.", "db.") or after one.
constexpr std::array<std::string_view, 68> kWords = {
    "Some", "ordinary", "text", "with", "numbers", "31", "Item", "number", "the", "of", "and", "or",
    "union", "select", "password", "from", "users", "order", "by", "sleep", "sysobjects", "1", "0x41",
    "sudo", "ls", "curl", "cat", "rm", "bash", "id", "invoke", "wrapper", "sh", "rO0ABXNy",
    "xrO0AB", "KztAAU", "Cs7QAF", "SW52b2tlclRyYW5zZm9ybWVy", "eGphdmEubGFuZy5SdW50aW1l",
    "YWJJbnZva2VyVHJhbnNmb3JtZXI", "schema", "type", "passwd", "etc", "java", "javax", "lang", "Runtime",
    "ognl", "bsh", "xwork", "session", "mail", "this", "db", "org", "assert", "phar", "zend", "opcache",
    "document", "cookie", "window", "boot", "ini", "php", "constructor", "system"};
// Separators as sent: blanks and commas plain and encoded, and characters the path must
// leave to the general one (quotes, dots, slashes, escapes of other bytes, a broken escape).
// Sentence periods too: before a blank, plain and encoded.
constexpr std::array<std::string_view, 37> kGlue = {
    " ", " ", " ", " ", "+", "+", "+", "+", "%20", "%2C", "%2c", ",", ", ", "%2C+", "%41", "%61", "%30",
    "%27", "%3B", "%0A", "%00", "%", "%2", "%u0041", ".", "/", "_", "-", "__", "\t", ". ", ".+", "%2E%20",
    ". ", ".. "};

std::string sample(std::mt19937& rng) {
  std::string s;
  const unsigned n = 1 + static_cast<unsigned>(rng() % 7);
  if (rng() % 6 == 0) s += kGlue[rng() % kGlue.size()];
  for (unsigned k = 0; k < n; ++k) {
    if (k > 0) s += kGlue[rng() % kGlue.size()];
    s += kWords[rng() % kWords.size()];
  }
  if (rng() % 6 == 0) s += kGlue[rng() % kGlue.size()];
  if (rng() % 4 == 0) {
    for (auto& c : s)
      if (c >= 'a' && c <= 'z' && rng() % 2 == 0) c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

// Every detector the Waf runs on a value.
bool any_detector(const Inspected& v) {
  using Detector = bool (*)(const Inspected&, Scratch&, Hit&);
  for (const Detector d : {detect_sqli, detect_xss, detect_cmdi, detect_code_injection, detect_lfi,
                           detect_rfi, detect_ssrf, detect_nosqli, detect_xxe, detect_shellshock,
                           detect_scanner}) {
    Scratch scratch;
    Hit hit;
    if (d(v, scratch, hit)) return true;
  }
  return false;
}

TEST(PlainWords, CleanOnlyWhereNoDetectorMatches) {
  std::mt19937 rng(20261129);
  std::string decoded;
  std::size_t clean = 0, kept = 0;
  for (int n = 0; n < 200000; ++n) {
    const std::string raw = sample(rng);
    for (const Source source : {Source::query, Source::form, Source::json, Source::cookie, Source::path_segment}) {
      const bool url_encoded = source != Source::json;
      const bool plus = source != Source::cookie && source != Source::path_segment;
      std::string_view value = raw;
      if (url_encoded) {
        url_decode(raw, decoded, plus);
        value = decoded;
      }
      if (!plain_words_clean(source, raw, url_encoded)) {
        ++kept;
        continue;
      }
      ++clean;
      Value v(value, source);
      ASSERT_FALSE(any_detector(v.v)) << "called clean, a detector matches: [" << raw << "] as "
                                      << static_cast<int>(source);
    }
  }
  // The generator reaches both sides.
  EXPECT_GT(clean, 20000u);
  EXPECT_GT(kept, 500000u);
}

TEST(PlainWords, KnownCases) {
  for (const std::string_view s : {"Some+ordinary+text%2C+with+punctuation+and+numbers+31", "value+number+7919",
                                   "Blue cotton shirt, 42", "%41lice+and+Bob"})
    EXPECT_TRUE(plain_words_clean(Source::form, s, true)) << s;
  EXPECT_TRUE(plain_words_clean(Source::json, "Item number 12", false));
  // Sentence periods: after a word, before a blank or the end.
  for (const std::string_view s : {"A plain description of the item, nothing special.", "Thanks. See you soon.",
                                   "Shipped to Berlin. Delivered"})
    EXPECT_TRUE(plain_words_clean(Source::json, s, false)) << s;
  for (const std::string_view s : {"version 1.5 is out", "see java.lang here", "wait... what", "number 5. next",
                                   ". starts with one", "a .b c", "etc., and so on", "use session. then"})
    EXPECT_FALSE(plain_words_clean(Source::json, s, false)) << s;
  for (const std::string_view s : {"1+union+select+password+from+users", "sudo+ls", "rO0ABXNy+x",
                                   "x+SW52b2tlclRyYW5zZm9ybWVy", "a%27+or+1", "a%2", "a%u0041+b",
                                   "plainword", "a.b c", "a%0Ab c"})
    EXPECT_FALSE(plain_words_clean(Source::form, s, true)) << s;
  // '+' is a blank in query and form values only; headers and file names are never read here.
  EXPECT_FALSE(plain_words_clean(Source::cookie, "a+b", true));
  EXPECT_FALSE(plain_words_clean(Source::header, "a b", false));
  EXPECT_FALSE(plain_words_clean(Source::multipart_filename, "a b", false));
  EXPECT_FALSE(plain_words_clean(Source::json, std::string(kPlainWordsMax + 1, 'a') + " b", false));
}

// The short loads the path reads values under 16 bytes with: every byte lands in a lane whose
// mask bit maps back to its position, and a store puts every byte back.
TEST(PlainWords, ShortLoadsCoverEveryByte) {
  const std::string text = "ABCDEFGHIJKLMNOP";
  for (std::size_t n = 4; n <= 16; ++n) {
    for (std::size_t k = 0; k < n; ++k) {
      const simd::Bytes v = simd::load_short(text.data(), n);
      EXPECT_EQ(simd::short_positions(simd::bits(simd::equal(v, static_cast<std::uint8_t>(text[k]))), n), 1u << k)
          << "n=" << n << " k=" << k;
    }
    std::string out(n, '.');
    simd::store_short(out.data(), simd::load_short(text.data(), n), n);
    EXPECT_EQ(out, text.substr(0, n));
  }
}

}  // namespace
}  // namespace defender::cnaf::waf

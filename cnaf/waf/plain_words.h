// The plain-words path: most values of forms, queries and JSON documents are words, numbers,
// blanks and commas once decoded ("Some ordinary text, with punctuation and numbers 31").
// Of the detectors only three can match such a value: SQL made of words (sqli_possible), a
// command led by a program's name (cmdi_possible) and Java markers in base64 (code
// injection); every other detector, the protocol checks and the base64 re-reading need a
// character it lacks. One pass decodes, profiles and lower-cases the value, and those three
// answer, instead of the general path's dozen passes (Transaction::inspect_decoded). A period
// that ends a sentence ("Nothing special. Thanks.") is plain too; code injection and NoSQL
// needles end in one ("session.", "db."), so those two detectors read such a value as well.
// Internal to the Waf; checked against the detectors by tests/cnaf/waf/plain_words_test.cc.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstddef>
#include <string_view>

#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/inspected.h"
#include "cnaf/waf/simd.h"

namespace defender::cnaf::waf {

// A value no detector needs to read: one byte, or letters and digits under 16 bytes ("id",
// "name", "description", "42") outside headers and file names. inspect_decoded's inert path
// would find it clean (no decoding applies; base64 needs 16 bytes, SQL words '_' '+' or "--",
// a class name a '.', a gadget name in base64 8 bytes of mixed case), unless it holds a
// serialized-Java marker. Decided before the memo and the passes, and by the part walker
// before a value is even visited (PartLimits::skip_inert).
inline bool inert_token(Source source, std::string_view raw) noexcept {
  const std::size_t n = raw.size();
  if (n < 2) return true;
  if (n >= 16 || source == Source::header || source == Source::multipart_filename) return false;
  std::uint32_t upper = 0;  // bit k: raw[k] is an upper-case letter
  if (n >= 4) {
    const simd::Bytes v = simd::load_short(raw.data(), n);
    const simd::Bytes up = simd::in_range(v, 'A', 'Z');
    const std::uint32_t word = simd::bits(up | simd::in_range(v, 'a', 'z') | simd::in_range(v, '0', '9'));
    if (word != (n >= 8 ? 0xFFFFu : 0xFFu)) return false;
    upper = simd::short_positions(simd::bits(up), n);
  } else {
    for (std::size_t k = 0; k < n; ++k) {  // ('_' '+' '~' have no class bit: asked for letters or digits)
      if ((kCharClass[static_cast<unsigned char>(raw[k])] & (kAlpha | kDigit)) == 0) return false;
      upper |= std::uint32_t{raw[k] >= 'A' && raw[k] <= 'Z'} << k;
    }
  }
  const std::uint32_t two = upper & (upper - 1), three = two & (two - 1);  // at least two, three
  // (the inert path's mixed case: two upper-case letters or more, not all of them)
  if (n >= 8 && two != 0 && upper != (1u << n) - 1) return false;
  static_assert(std::ranges::all_of(kJavaSerializedBase64, [](std::string_view m) {
    return std::ranges::count_if(m, [](char c) { return c >= 'A' && c <= 'Z'; }) >= 3;
  }));  // (each marker holds three upper-case letters)
  return n < 5 || three == 0 || !holds_java_serialized_base64(raw);
}

// The longest value the path reads: longer ones may hold padding runs, which the general
// path folds first.
inline constexpr std::size_t kPlainWordsMax = 256;

// True: `raw` (from `source`, URL-encoded or not) decodes to letters, digits, blanks, commas
// and periods after a word (before a blank or the end), with at least one blank or comma, and
// no detector can match it: it is clean, as the general path would find it. False: not such a
// value, or one a prefilter keeps; the general path decides.
bool plain_words_clean(Source source, std::string_view raw, bool url_encoded);

}  // namespace defender::cnaf::waf

#include "cnaf/waf/plain_words.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/detectors/sql_tokenizer.h"
#include "cnaf/waf/simd.h"
#include "cnaf/waf/transforms/hex.h"

namespace defender::cnaf::waf {
namespace {

// The sources whose values the path may read: not headers (their checks differ per name),
// file names (read as uploads), XML (entities) or whole bodies.
bool plain_source(Source source) noexcept {
  switch (source) {
    case Source::query: case Source::query_name: case Source::form: case Source::form_name:
    case Source::multipart: case Source::multipart_name: case Source::json: case Source::json_key:
    case Source::cookie: case Source::cookie_name: case Source::path_segment:
      return true;
    default:
      return false;
  }
}

// The first letters of the serialized-object markers: one of them must start a word.
constexpr bool marker_initial(char c) noexcept {
  for (const std::string_view marker : kJavaSerializedBase64)
    if (marker[0] == c) return true;
  return false;
}

// Bit sets over a value of at most kPlainWordsMax bytes, bit k for byte k.
using ByteBits = std::array<std::uint64_t, (kPlainWordsMax + 63) / 64>;

// The first position in [from, end) whose bit is `one`, or `end`.
std::size_t next_bit(const ByteBits& b, std::size_t from, std::size_t end, bool one) noexcept {
  while (from < end) {
    const std::uint64_t word = one ? b[from / 64] : ~b[from / 64];
    const std::uint64_t rest = word >> (from % 64);
    if (rest != 0) return std::min(end, from + static_cast<std::size_t>(std::countr_zero(rest)));
    from = (from / 64 + 1) * 64;
  }
  return end;
}

// How many bits of [from, end) are set (few: a loop per set bit).
std::size_t count_bits(const ByteBits& b, std::size_t from, std::size_t end) noexcept {
  std::size_t n = 0;
  while (from < end) {
    const std::size_t stop = std::min(end, (from / 64 + 1) * 64);
    const std::size_t width = stop - from;
    std::uint64_t w = (b[from / 64] >> (from % 64)) & (width == 64 ? ~0ull : ((1ull << width) - 1));
    for (; w != 0; w &= w - 1) ++n;
    from = stop;
  }
  return n;
}

}  // namespace

bool plain_words_clean(Source source, std::string_view raw, bool url_encoded) {
  if (raw.size() > kPlainWordsMax || !plain_source(source)) return false;
  const bool plus = url_encoded && plus_is_blank(source);
  // The decoded text (raw itself when not URL-encoded), then its lower case, 16 bytes at a
  // time (no store passes the value's end: decoding never lengthens it).
  char decoded[kPlainWordsMax];
  char l[kPlainWordsMax];
  const char* t = raw.data();
  std::size_t n = raw.size();
  if (url_encoded) {
    n = 0;
    const simd::Bytes plus_to_blank = simd::splat(plus ? '+' ^ ' ' : 0);
    std::size_t i = 0;
    while (i < raw.size()) {
      // Up to the next escape, 16 bytes at a time ('+' as a blank where it is one).
      if (i + 16 <= raw.size()) {
        const simd::Bytes v = simd::load(raw.data() + i);
        simd::store(decoded + n, v ^ (simd::equal(v, '+') & plus_to_blank));
        const std::uint32_t escapes = simd::bits(simd::equal(v, '%'));
        const std::size_t run = escapes == 0 ? 16 : static_cast<std::size_t>(std::countr_zero(escapes));
        i += run;
        n += run;
        if (run == 16) continue;
      } else if (raw[i] != '%') {
        decoded[n++] = plus && raw[i] == '+' ? ' ' : raw[i];
        ++i;
        continue;
      }
      // Only a complete two-digit escape: anything else (%u, a malformed one) is the general
      // path's, which decodes or reports it.
      if (i + 2 >= raw.size()) return false;
      const int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return false;
      decoded[n++] = static_cast<char>(hi * 16 + lo);
      i += 3;
    }
    t = decoded;
  }
  // Letters and digits make words, blanks and commas part them, a period may end a sentence;
  // any other byte ends the path.
  ByteBits alnum{}, upper{}, comma{}, period{};
  std::uint32_t letters = 0, digits = 0, blanks = 0, commas = 0, periods = 0;  // any, per class
  for (std::size_t k = 0; k < n; k += 16) {
    // The last bytes: the 16 ending the value (read again) when there are that many, else
    // the two halves of load_short (a padded copy under 4 bytes); their lane masks moved to
    // byte positions.
    const std::size_t left = n - k;
    const bool whole = left >= 16, overlap = !whole && n >= 16;
    const simd::Bytes v = whole     ? simd::load(t + k)
                          : overlap ? simd::load(t + n - 16)
                          : left >= 4 ? simd::load_short(t, n)
                                      : simd::load_tail(t, n);
    const auto position = [&](std::uint32_t lanes) -> std::uint32_t {
      if (whole) return lanes;
      if (overlap) return lanes >> (16 - left);
      return left >= 4 ? simd::short_positions(lanes, n) : lanes & ((1u << n) - 1);
    };
    const simd::Bytes up = simd::in_range(v, 'A', 'Z'), low = simd::in_range(v, 'a', 'z');
    const simd::Bytes dig = simd::in_range(v, '0', '9'), blank = simd::equal(v, ' ');
    const simd::Bytes com = simd::equal(v, ','), dot = simd::equal(v, '.');
    const std::uint32_t valid = whole ? 0xFFFFu : (1u << left) - 1;
    const std::uint32_t word_bits = position(simd::bits(up | low | dig));
    if ((word_bits | position(simd::bits(blank | com | dot))) != valid) return false;
    const simd::Bytes lowered = v + (up & simd::splat(32));
    if (whole || overlap) {
      simd::store(whole ? l + k : l + n - 16, lowered);
    } else if (left >= 4) {
      simd::store_short(l, lowered, n);
    } else {
      for (std::size_t b = 0; b < n; ++b) l[b] = static_cast<char>(lowered[b]);
    }
    const std::uint32_t comma_bits = position(simd::bits(com)), period_bits = position(simd::bits(dot));
    const std::size_t shift = k % 64;
    alnum[k / 64] |= std::uint64_t{word_bits} << shift;
    upper[k / 64] |= std::uint64_t{position(simd::bits(up))} << shift;
    comma[k / 64] |= std::uint64_t{comma_bits} << shift;
    period[k / 64] |= std::uint64_t{period_bits} << shift;
    letters |= position(simd::bits(up | low));
    digits |= position(simd::bits(dig));
    blanks |= position(simd::bits(blank));
    commas |= comma_bits;
    periods |= period_bits;
  }
  const std::uint32_t mask = (letters ? kAlpha : 0u) | (digits ? kDigit : 0u) | (blanks ? kSpace : 0u) |
                             (commas ? kComma : 0u) | (periods ? kDot : 0u);
  // A period only ends a word, before a blank or the end ("Nothing special. Thanks."): not
  // in a name or a number ("java.lang", "1.5", "..").
  for (std::size_t p = periods ? next_bit(period, 0, n, true) : n; p < n; p = next_bit(period, p + 1, n, true))
    if (p == 0 || ((alnum[(p - 1) / 64] >> ((p - 1) % 64)) & 1u) == 0 || (p + 1 < n && t[p + 1] != ' ')) return false;
  // Tokens without a blank or comma are the general path's (base64, class names).
  if ((mask & (kSpace | kComma)) == 0) return false;
  // Words (runs of letters and digits) go to the SQL prefilter in order, the commas between
  // them too. A serialized-object marker can only start a word; a gadget name in base64 only
  // lies inside one of 8 bytes or more with upper-case letters.
  SqlPlainWords sql;
  bool marker = false;
  std::size_t longest = 0, most_upper = 0;
  std::size_t next_comma = commas ? next_bit(comma, 0, n, true) : n;
  const auto commas_until = [&](std::size_t to) {
    for (; next_comma < to; next_comma = next_bit(comma, next_comma + 1, n, true))
      if (!sql.comma()) return false;
    return true;
  };
  std::uint64_t carry = 0;  // whether the byte before this 64 is a word's
  for (std::size_t base = 0; base < n; base += 64) {
    const std::uint64_t word_bits = alnum[base / 64];
    for (std::uint64_t starts = word_bits & ~((word_bits << 1) | carry); starts != 0; starts &= starts - 1) {
      const std::size_t offset = static_cast<std::size_t>(std::countr_zero(starts));
      const std::size_t begin = base + offset;
      // (bits past the value are clear: a word ends at n at the latest)
      const std::uint64_t rest = ~word_bits >> offset;
      const std::size_t end = rest != 0 ? begin + static_cast<std::size_t>(std::countr_zero(rest))
                                        : next_bit(alnum, begin, n, false);
      // A word before a period is the tokenizer's word with it ("special."), and starts with
      // a letter ("5." is a number).
      const bool full_stop = end < n && t[end] == '.';
      if (full_stop && t[begin] <= '9') return false;
      if (!commas_until(begin) || !sql.word(std::string_view(l + begin, end - begin + (full_stop ? 1 : 0)))) return false;
      marker |= marker_initial(t[begin]);
      if (end - begin >= 8) {
        longest = std::max(longest, end - begin);
        most_upper = std::max(most_upper, count_bits(upper, begin, end));
      }
    }
    carry = word_bits >> 63;
  }
  if (!commas_until(n)) return false;
  if (!sql.plain()) return false;
  const std::string_view text(t, n), lower(l, n);
  if (cmdi_possible(mask, lower)) return false;
  if (marker && holds_java_serialized_base64(text)) return false;
  if (longest != 0 && java_gadget_possible(longest, most_upper)) return false;
  // Needles that end in a period ("session.", "ognl.", "db.", "this."): those two detectors
  // read the value (the others need a character after the period, or one it lacks).
  if (periods) {
    const Bigrams bigrams(lower);  // (their needles filtered by the text's letter pairs)
    const Inspected w{.source = source, .name = {}, .raw = raw, .text = text, .lower = lower,
                      .mask = mask, .bigrams = &bigrams};
    Scratch scratch;
    Hit hit;
    if (detect_code_injection(w, scratch, hit) || detect_nosqli(w, scratch, hit)) return false;
  }
  return true;
}

}  // namespace defender::cnaf::waf

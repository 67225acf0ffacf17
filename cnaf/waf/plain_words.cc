#include "cnaf/waf/plain_words.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/detectors/sql_tokenizer.h"
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

// What the path makes of each decoded byte; anything else ends it (kOther).
enum ByteKind : std::uint8_t { kOther, kLowerLetter, kUpperLetter, kDigitByte, kBlankByte, kCommaByte };
constexpr std::array<std::uint8_t, 256> kKinds = [] {
  std::array<std::uint8_t, 256> k{};
  for (int c = 'a'; c <= 'z'; ++c) k[static_cast<std::size_t>(c)] = kLowerLetter;
  for (int c = 'A'; c <= 'Z'; ++c) k[static_cast<std::size_t>(c)] = kUpperLetter;
  for (int c = '0'; c <= '9'; ++c) k[static_cast<std::size_t>(c)] = kDigitByte;
  k[' '] = kBlankByte;
  k[','] = kCommaByte;
  return k;
}();

// The first letters of the serialized-object markers: one of them must start a word.
constexpr bool marker_initial(char c) noexcept {
  for (const std::string_view marker : kJavaSerializedBase64)
    if (marker[0] == c) return true;
  return false;
}

}  // namespace

bool plain_words_clean(Source source, std::string_view raw, bool url_encoded, std::string& text,
                       std::string& lower) {
  if (raw.size() > kPlainWordsMax || !plain_source(source)) return false;
  const bool plus = url_encoded && plus_is_blank(source);
  text.resize(raw.size());
  lower.resize(raw.size());
  char* const t = text.data();
  char* const l = lower.data();
  std::size_t n = 0;
  // Words (runs of letters and digits) go to the SQL prefilter as they end. A serialized-object
  // marker can only start one; a gadget name in base64 only lies inside one of 8 bytes or more
  // with upper-case letters.
  SqlPlainWords sql;
  bool sql_plain = true, marker = false;
  std::size_t start = 0, upper = 0, longest = 0, most_upper = 0;
  const auto word_end = [&] {
    const std::size_t len = n - start;
    if (len == 0) return;
    sql_plain = sql_plain && sql.word(std::string_view(l + start, len));
    if (len >= 8) {
      longest = std::max(longest, len);
      most_upper = std::max(most_upper, upper);
    }
    upper = 0;
  };
  unsigned seen = 0;  // bit per kind of byte met
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (url_encoded && c == '%') {
      // Only a complete two-digit escape: anything else (%u, a malformed one) is the general
      // path's, which decodes or reports it.
      if (i + 2 >= raw.size()) return false;
      const int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (plus && c == '+') {
      c = ' ';
    }
    const std::uint8_t kind = kKinds[static_cast<unsigned char>(c)];
    if (kind == kOther) return false;
    seen |= 1u << kind;
    if (kind <= kDigitByte) {
      if (n == start) marker |= marker_initial(c);
      upper += kind == kUpperLetter;
    } else {
      word_end();
      if (kind == kCommaByte) sql_plain = sql_plain && sql.comma();
      start = n + 1;
    }
    t[n] = c;
    l[n] = kind == kUpperLetter ? static_cast<char>(c + 32) : c;
    ++n;
  }
  const std::uint32_t mask = ((seen & (1u << kLowerLetter | 1u << kUpperLetter)) ? kAlpha : 0u) |
                             ((seen & 1u << kDigitByte) ? kDigit : 0u) |
                             ((seen & 1u << kBlankByte) ? kSpace : 0u) | ((seen & 1u << kCommaByte) ? kComma : 0u);
  word_end();
  text.resize(n);
  lower.resize(n);
  // Tokens without a blank or comma are the general path's (base64, class names).
  if ((mask & (kSpace | kComma)) == 0 || !sql_plain || !sql.plain()) return false;
  const Inspected v{.source = source, .name = {}, .raw = raw, .text = text, .lower = lower, .mask = mask,
                    .bigrams = nullptr};
  if (cmdi_possible(v)) return false;
  if (marker && holds_java_serialized_base64(v.text)) return false;
  return !java_gadget_possible(longest, most_upper);
}

}  // namespace defender::cnaf::waf

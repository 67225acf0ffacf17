// What a detector looks at: one value of a request, already decoded, with its location.
// Built by the Waf per value (cnaf/waf/waf.cc) and read by every detector (detectors/).
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {

// A word as two 8-byte integers: for 8 bytes or more the first and the last 8 (they overlap
// under 16), for 4 to 7 the first and the last 4, under 4 the first, middle and last byte.
// Up to 16 bytes the pair and the length tell the word exactly; each half is one load. (The
// SQL keyword index and the memo hash read words so; cmdi_possible's set, of words of 8 bytes
// or less, reads their bytes with load_le.)
struct PackedWord {
  std::uint64_t a = 0, b = 0;
  bool operator==(const PackedWord&) const = default;
};
// (`n` bytes at `at`, little-endian)
constexpr std::uint64_t load_le(std::string_view w, std::size_t at, std::size_t n) noexcept {
  if (!std::is_constant_evaluated()) {
    if (n == 8) {
      std::uint64_t x;
      std::memcpy(&x, w.data() + at, 8);
      return x;
    }
    if (n == 4) {
      std::uint32_t x;
      std::memcpy(&x, w.data() + at, 4);
      return x;
    }
  }
  std::uint64_t x = 0;
  for (std::size_t k = 0; k < n; ++k) x |= std::uint64_t{static_cast<unsigned char>(w[at + k])} << (8 * k);
  return x;
}
constexpr PackedWord pack_word(std::string_view w) noexcept {
  const std::size_t n = w.size();
  if (n == 0) return {};
  if (n >= 8) return {load_le(w, 0, 8), load_le(w, n - 8, 8)};
  if (n >= 4) return {load_le(w, 0, 4) | (load_le(w, n - 4, 4) << 32), 0};
  return {load_le(w, 0, 1) | (load_le(w, n / 2, 1) << 8) | (load_le(w, n - 1, 1) << 16), 0};
}

// Where a value was found in the request; names the location in findings.
enum class Source : std::uint8_t {
  path,          // the whole path
  path_segment,  // one segment of the path
  query,         // a query argument's value ("query:NAME")
  query_name,    // a query argument's name
  form,          // urlencoded body value ("body:form:NAME")
  form_name,
  multipart,           // a multipart field's content ("body:multipart:NAME")
  multipart_filename,  // its file name
  multipart_name,
  json,       // a JSON string or number ("body:json:$.a.b")
  json_key,   // a JSON object key
  xml,        // XML text or attribute ("body:xml")
  xml_raw,    // the whole XML document (for xxe)
  body_raw,   // a body of another type
  cookie,     // "cookie:NAME"
  cookie_name,
  header,     // "header:NAME" (lower case)
};

// Whether a URL-encoded value from `source` reads '+' as a blank: query strings and form
// bodies do (application/x-www-form-urlencoded); paths and cookies keep it.
constexpr bool plus_is_blank(Source source) noexcept {
  return source != Source::path && source != Source::path_segment && source != Source::cookie &&
         source != Source::cookie_name;
}

// Which special characters a text holds: detectors skip values that lack what they need.
enum CharBit : std::uint32_t {
  kQuote = 1u << 0,      // '
  kDquote = 1u << 1,     // "
  kLt = 1u << 2,         // <
  kGt = 1u << 3,         // >
  kParen = 1u << 4,      // ( or )
  kSemi = 1u << 5,       // ;
  kPipe = 1u << 6,       // |
  kAmp = 1u << 7,        // &
  kBacktick = 1u << 8,   // `
  kDollar = 1u << 9,     // $
  kSlash = 1u << 10,     // /
  kBackslash = 1u << 11, // '\'
  kDot = 1u << 12,       // .
  kColon = 1u << 13,     // :
  kEq = 1u << 14,        // =
  kBrace = 1u << 15,     // { or }
  kBracket = 1u << 16,   // [ or ]
  kPercent = 1u << 17,   // %
  kHash = 1u << 18,      // #
  kDash = 1u << 19,      // -
  kStar = 1u << 20,      // *
  kComma = 1u << 21,     // ,
  kAt = 1u << 22,        // @
  kSpace = 1u << 23,     // blank or control
  kDigit = 1u << 24,
  kAlpha = 1u << 25,
  kCtrl = 1u << 26,      // control characters other than blanks
  kHigh = 1u << 27,      // bytes >= 0x80
  kNewline = 1u << 28,   // \r or \n
};

std::uint32_t char_mask(std::string_view text) noexcept;

// The class bits of each byte (what char_mask ORs together).

constexpr std::array<std::uint32_t, 256> make_char_classes() {
  std::array<std::uint32_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint32_t m = 0;
    if (c >= 0x80) m |= kHigh;
    if (c < 0x20 || c == 0x7F) m |= kCtrl;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') m = kSpace;
    if (c == '\r' || c == '\n') m |= kNewline;
    if (c >= '0' && c <= '9') m |= kDigit;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) m |= kAlpha;
    switch (c) {
      case '\'': m |= kQuote; break;
      case '"': m |= kDquote; break;
      case '<': m |= kLt; break;
      case '>': m |= kGt; break;
      case '(': case ')': m |= kParen; break;
      case ';': m |= kSemi; break;
      case '|': m |= kPipe; break;
      case '&': m |= kAmp; break;
      case '`': m |= kBacktick; break;
      case '$': m |= kDollar; break;
      case '/': m |= kSlash; break;
      case '\\': m |= kBackslash; break;
      case '.': m |= kDot; break;
      case ':': m |= kColon; break;
      case '=': m |= kEq; break;
      case '{': case '}': m |= kBrace; break;
      case '[': case ']': m |= kBracket; break;
      case '%': m |= kPercent; break;
      case '#': m |= kHash; break;
      case '-': m |= kDash; break;
      case '*': m |= kStar; break;
      case ',': m |= kComma; break;
      case '@': m |= kAt; break;
      default: break;
    }
    t[static_cast<std::size_t>(c)] = m;
  }
  return t;
}



inline constexpr std::array<std::uint32_t, 256> kCharClass = make_char_classes();

// The same at compile time, for needle tables: a needle can only occur in a text whose mask
// holds all of the needle's bits (needle_possible).
constexpr std::uint32_t char_mask_of(std::string_view text) noexcept {
  std::uint32_t m = 0;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= '0' && c <= '9') m |= kDigit;
    else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) m |= kAlpha;
    else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') m |= kSpace;
    else if (c == '\'') m |= kQuote;
    else if (c == '"') m |= kDquote;
    else if (c == '<') m |= kLt;
    else if (c == '>') m |= kGt;
    else if (c == '(' || c == ')') m |= kParen;
    else if (c == ';') m |= kSemi;
    else if (c == '|') m |= kPipe;
    else if (c == '&') m |= kAmp;
    else if (c == '`') m |= kBacktick;
    else if (c == '$') m |= kDollar;
    else if (c == '/') m |= kSlash;
    else if (c == '\\') m |= kBackslash;
    else if (c == '.') m |= kDot;
    else if (c == ':') m |= kColon;
    else if (c == '=') m |= kEq;
    else if (c == '{' || c == '}') m |= kBrace;
    else if (c == '[' || c == ']') m |= kBracket;
    else if (c == '%') m |= kPercent;
    else if (c == '#') m |= kHash;
    else if (c == '-') m |= kDash;
    else if (c == '*') m |= kStar;
    else if (c == ',') m |= kComma;
    else if (c == '@') m |= kAt;
  }
  return m;
}

// Which adjacent byte pairs (hashed into 512 bits) occur in a lower-case text: a needle is
// only searched for when all of its sampled pairs occur. One pass per value, on the first
// question (most values are never asked: no needle list passes their character mask);
// saturates (and so filters nothing, staying correct) on long values.
constexpr unsigned bigram_hash(char a, char b) noexcept {
  return (static_cast<unsigned char>(a) * 31u + static_cast<unsigned char>(b)) & 511u;
}

class Bigrams {
 public:
  // (kNone: the hash of no pair, for needles too short to have one: always present)
  static constexpr unsigned kNone = 512;
  explicit Bigrams(std::string_view lower) noexcept : lower_(lower) {}
  bool has(unsigned h) const noexcept { return (bits()[h >> 6] >> (h & 63)) & 1u; }
  // The pairs of the text, bit h for hash h (filled on first use).
  const std::array<std::uint64_t, 9>& bits() const noexcept {
    if (!ready_) fill();
    return bits_;
  }

 private:
  void fill() const noexcept {
    for (std::size_t i = 1; i < lower_.size(); ++i) {
      const unsigned h = bigram_hash(lower_[i - 1], lower_[i]);
      bits_[h >> 6] |= 1ull << (h & 63);
    }
    bits_[kNone >> 6] |= 1ull << (kNone & 63);
    ready_ = true;
  }
  std::string_view lower_;
  mutable bool ready_ = false;
  mutable std::array<std::uint64_t, 9> bits_{};
};

// A list of literal needles with their masks computed at compile time. `find` returns the
// first needle (index, position) found in `lower`, trying only needles whose characters all
// occur in the text: most values skip most needles without reading a byte, and without
// looking at them one by one (per character class, the needles that hold it, as bit sets).
template <std::size_t N>
struct NeedleSet {
  static constexpr std::size_t kWords = (N + 63) / 64;
  using Bits = std::array<std::uint64_t, kWords>;  // bit i: needle i
  std::array<std::string_view, N> needles;
  std::array<std::array<std::uint16_t, 3>, N> pairs{};  // bigram hashes: start, middle, end
  std::array<Bits, 32> with_class{};  // [b]: the needles holding a character of class bit b
  std::uint32_t classes = 0;          // the class bits any needle holds
  Bits all{};                         // every needle
  constexpr explicit NeedleSet(const std::array<std::string_view, N>& n) : needles(n) {
    for (std::size_t i = 0; i < N; ++i) {
      const std::uint32_t mask = char_mask_of(n[i]);
      classes |= mask;
      for (unsigned b = 0; b < 32; ++b)
        if ((mask >> b) & 1u) with_class[b][i / 64] |= std::uint64_t{1} << (i % 64);
      all[i / 64] |= std::uint64_t{1} << (i % 64);
      const std::string_view w = n[i];
      const std::size_t m = w.size() >= 2 ? w.size() / 2 : 0;
      const auto pair = [&](std::size_t at) {  // (the pair starting at `at`, if the needle has one)
        return static_cast<std::uint16_t>(at + 1 < w.size() ? bigram_hash(w[at], w[at + 1]) : Bigrams::kNone);
      };
      pairs[i] = {pair(0), w.size() >= 3 ? pair(m - 1) : std::uint16_t{Bigrams::kNone},
                  w.size() >= 2 ? pair(w.size() - 2) : std::uint16_t{Bigrams::kNone}};
    }
  }
  // Calls `f(index, pos)` for needles present (first occurrence each), in their order, until
  // f returns true.
  template <typename F>
  bool find(std::string_view lower, std::uint32_t mask, const Bigrams* bigrams, F&& f) const {
    Bits possible = all;
    for (std::uint32_t absent = classes & ~mask; absent != 0; absent &= absent - 1) {
      const Bits& holding = with_class[static_cast<std::size_t>(std::countr_zero(absent))];
      for (std::size_t k = 0; k < kWords; ++k) possible[k] &= ~holding[k];
    }
    const std::array<std::uint64_t, 9>* text_pairs = bigrams != nullptr ? &bigrams->bits() : nullptr;
    for (std::size_t k = 0; k < kWords; ++k) {
      for (std::uint64_t left = possible[k]; left != 0; left &= left - 1) {
        const std::size_t i = k * 64 + static_cast<std::size_t>(std::countr_zero(left));
        if (text_pairs != nullptr) {  // (most needles end at their first pair)
          const auto has = [&](unsigned h) { return (((*text_pairs)[h >> 6] >> (h & 63)) & 1u) != 0; };
          if (!has(pairs[i][0]) || !has(pairs[i][1]) || !has(pairs[i][2])) continue;
        }
        const std::size_t p = lower.find(needles[i]);
        if (p != std::string_view::npos && f(i, p)) return true;
      }
    }
    return false;
  }
};

struct Inspected {
  Source source = Source::query;
  std::string_view name;   // argument, header, cookie name; JSON path
  std::string_view raw;    // as the container gave it (URL-decoded once for query and form)
  std::string_view text;   // decode_all(raw)
  std::string_view lower;  // text in ASCII lower case
  std::uint32_t mask = 0;  // char_mask(text)
  const Bigrams* bigrams = nullptr;  // of `lower`; null: no filtering
  bool has(std::uint32_t bits) const noexcept { return (mask & bits) != 0; }
};

// A value read once more as another text (a decoded or rewritten copy of it): owns the copy,
// its lower case and letter pairs; view() is `base` reading them.
class Reread {
 public:
  Reread(const Inspected& base, std::string text)
      : text_(std::move(text)), lower_(lowered(text_)), bigrams_(lower_), view_(base) {
    view_.text = text_;
    view_.lower = lower_;
    view_.mask = char_mask(text_);
    view_.bigrams = &bigrams_;
  }
  Reread(const Reread&) = delete;
  Reread& operator=(const Reread&) = delete;
  const Inspected& view() const noexcept { return view_; }

 private:
  static std::string lowered(std::string_view s) {
    std::string l;
    to_lower(s, l);
    return l;
  }
  std::string text_, lower_;
  Bigrams bigrams_;
  Inspected view_;
};

// Prefilters (inspected.cc): false only when the detector cannot match the value, so the
// Waf may skip it. Each is derived from its detector's triggers and checked against it by
// tests/cnaf/waf/prefilter_test.cc on generated text; a detector that learns a new trigger
// must update its prefilter (the test fails otherwise).
//
// Command injection in a value made of words, digits, blanks (no line break), ',', '.',
// '=', '-' and non-ASCII: only a program, wrapper or `alias` as the first word ("sudo ls",
// "curl http...", "if exist ..."), the "-wrapper sh," idiom or a PowerShell cmdlet
// (invoke-*, start-process, net.webclient) can match.
bool cmdi_possible(const Inspected& v) noexcept;
// The same from the value's char_mask and lower case alone.
bool cmdi_possible(std::uint32_t mask, std::string_view lower) noexcept;

// A detector's answer: where in `text` the evidence is, and a short reason.
struct Hit {
  std::size_t pos = 0;
  std::size_t len = 0;
  std::string_view reason;
};

// Per-request scratch space reused by detectors (no allocation per value once grown).
struct Scratch {
  std::string a;
  std::string b;
};

}  // namespace defender::cnaf::waf

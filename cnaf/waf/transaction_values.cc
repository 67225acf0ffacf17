// Transaction, one value: the memo of clean values, decoding and normalisation (the text
// detectors read), then run_detectors (transaction.cc). Split from transaction.cc by size.
#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "cnaf/waf/transaction.h"
#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/plain_words.h"
#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"
#include "cnaf/waf/waf.h"

namespace defender::cnaf::waf {
namespace {

constexpr std::uint32_t bit(Protection p) { return 1u << static_cast<unsigned>(p); }

}  // namespace

namespace {

// What one pass over a text tells: its character classes, how many control characters (the
// binary test) and blanks (the prose test) it holds, and whether it holds a newline.
struct TextProfile {
  std::uint32_t mask = 0;
  std::size_t controls = 0;  // bytes < 0x20 other than \t \n \r
  std::size_t spaces = 0;
  bool line_feed = false;
  bool plus = false;   // '+' (no class bit): UTF-7 runs start with it
  bool tilde = false;  // '~' (no class bit): code masking reads it
};

// Per byte, what the profile counts: bit 0 a control character, 1 a space, 2 a line feed,
// 3 '+', 4 '~'.
constexpr std::array<std::uint8_t, 256> kProfileBits = [] {
  std::array<std::uint8_t, 256> t{};
  for (unsigned u = 0; u < 0x20; ++u) t[u] = u == '\n' || u == '\r' || u == '\t' ? 0 : 1;
  t[' '] = 2;
  t['\n'] = 4;
  t['+'] = 8;
  t['~'] = 16;
  return t;
}();

// The profile of `text`, and `text` in ASCII lower case into `lower`: one pass.
TextProfile profile_of(std::string_view text, std::string& lower) noexcept {
  TextProfile p;
  lower.resize(text.size());
  char* out = lower.data();
  unsigned seen = 0;
  for (std::size_t k = 0; k < text.size(); ++k) {
    const auto u = static_cast<unsigned char>(text[k]);
    const unsigned bits = kProfileBits[u];
    p.mask |= kCharClass[u];
    p.controls += bits & 1u;
    p.spaces += (bits >> 1) & 1u;
    seen |= bits;
    out[k] = ascii_lower(text[k]);
  }
  p.line_feed = seen & 4u;
  p.plus = seen & 8u;
  p.tilde = seen & 16u;
  return p;
}

// The transforms' triggers: a text without them (nor a '+', UTF-7) comes out of the
// transform unchanged.
constexpr std::uint32_t kDecodeTriggers = kPercent | kAmp | kBackslash | kHigh | kCtrl;
constexpr std::uint32_t kMaskCodeTriggers = kLt | kBacktick | kBracket | kNewline;

std::uint64_t memo_hash(std::string_view s) noexcept {
  // The first and the last eight bytes as pack_word reads them (the whole of a value under
  // 17 bytes), and the eight-byte blocks between.
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  const auto round = [&h](std::uint64_t w) {
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 29;
  };
  const PackedWord ends = pack_word(s);
  round(ends.a);
  for (std::size_t i = 8; i + 8 < s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    round(w);
  }
  round(ends.b);
  return h ^ (h >> 32);
}

// A JSON value whose path no detector reads (see inspect_value's memo): no ':' '/' '\\' '%'
// '&' or non-ASCII byte (which could decode to one), and not base64, which is decoded and
// inspected once more, RFI included.
bool name_free(std::string_view raw) noexcept {
  const std::uint32_t mask = char_mask(raw);
  const bool base64_like = raw.size() >= 16 && (mask & ~(kAlpha | kDigit | kEq | kDash | kSlash)) == 0;
  return (mask & (kColon | kSlash | kBackslash | kPercent | kAmp | kHigh)) == 0 && !base64_like;
}

}  // namespace

// A value seen before in this request, from the same kind of place, with the same checks,
// and found clean is clean again (JSON arrays repeat their keys, forms their values).
// Exact comparison, at most kMemoProbes probes: crafted hash collisions cost a bounded
// number of compares per value, never a wrong answer.
bool Transaction::memo_find(const MemoKey& key, std::size_t& slot) const {
  if (memo_.empty()) return false;
  const std::size_t mask = memo_.size() - 1;
  for (std::size_t k = 0; k < kMemoProbes; ++k) {
    const MemoKey& e = memo_[(key.hash + k) & mask];
    if (e.value.data() == nullptr) {
      slot = (key.hash + k) & mask;
      return false;
    }
    if (e == key) return true;
  }
  slot = memo_.size();  // full along the probe sequence: not kept
  return false;
}

void Transaction::memo_keep(const MemoKey& key, std::size_t slot) {
  if (memo_.empty()) {
    memo_.resize(kMemoSlots);
    slot = key.hash & (kMemoSlots - 1);
  }
  if (slot >= memo_.size() || memo_used_ * 2 >= memo_.size()) return;
  memo_[slot] = key;
  ++memo_used_;
}

bool Transaction::inspect_value(Source source, std::string_view name, std::string_view raw,
                                bool url_encoded, std::uint32_t protections, const JsonPath* json_path) {
  if (stop_) return false;
  if ((protections & enabled_) == 0 || inert_token(source, raw)) return true;
  // Words once URL-decoded: the plain-words path answers before the memo, whose hash would
  // cost as much (form and query values rarely repeat). JSON arrays repeat theirs: the memo
  // goes first there.
  if (url_encoded && plain_words_clean(source, raw, url_encoded)) return true;
  // The memo: values of the request itself (views into it), never header values (their name
  // is a scratch copy). JSON values are named by their path, which differs per array item:
  // the name is left out of the key when no detector could read it (only the RFI check does,
  // and it needs a ':' or '/' that no decoding of such a value can produce). Only such JSON
  // values are kept, so a JSON value found under the name-less key is one of them: the test
  // is made when a value is kept, not each time one is looked up.
  MemoKey key;
  std::size_t slot = kMemoSlots;
  const bool json = source == Source::json || source == Source::json_key;
  // Small requests do not pay for the table: it starts after kMemoAfter values that could use
  // it (not headers, XML or whole bodies).
  const bool memo = source != Source::header && source != Source::xml && source != Source::xml_raw &&
                    source != Source::body_raw && ++values_ > kMemoAfter;
  if (memo) {
    key.value = raw;
    key.name = json ? std::string_view{} : name;
    key.hash = memo_hash(raw) ^ (memo_hash(key.name) * 31) ^ (static_cast<std::uint64_t>(source) << 56) ^
               (static_cast<std::uint64_t>(url_encoded) << 48) ^ (static_cast<std::uint64_t>(protections) << 8);
    key.source = source;
    key.url_encoded = url_encoded;
    key.protections = protections;
    if (memo_find(key, slot)) return true;
  }
  // (plain words, kept: JSON documents repeat them, and a memo hit costs less than the path)
  if (!url_encoded && plain_words_clean(source, raw, url_encoded)) {
    if (memo) memo_keep(key, slot);  // (no decoding makes plain words name a path: name_free)
    return true;
  }
  const std::size_t detections_before = detections_;
  const bool clean =
      inspect_decoded(source, json_path != nullptr ? json_path->str() : name, raw, url_encoded, protections);
  if (memo && clean && !stop_ && detections_ == detections_before &&
      verdict_.outcome == Verdict::Outcome::allow && (!json || name_free(raw)))
    memo_keep(key, slot);
  return clean;
}

bool Transaction::inspect_decoded(Source source, std::string_view name, std::string_view raw,
                                  bool url_encoded, std::uint32_t protections) {
  std::string_view value = raw;
  const bool plus = plus_is_blank(source);
  if (url_encoded && name.data() != nullptr && !name.empty() && source != Source::path &&
      name.find_first_of("%+") != std::string_view::npos) {
    url_decode(name, decoded_name_, true);
    name = decoded_name_;
  }
  if (url_encoded) {
    const bool has_pct = value.find('%') != std::string_view::npos;
    // A malformed escape in a URL is a protocol problem (and a classic evasion).
    if (has_pct && (protections & bit(Protection::protocol)) && enabled(Protection::protocol)) {
      for (std::size_t i = value.find('%'); i != std::string_view::npos; i = value.find('%', i + 1)) {
        const bool ok = (i + 2 < value.size() && hex_value(value[i + 1]) >= 0 && hex_value(value[i + 2]) >= 0) ||
                        (i + 5 < value.size() && (value[i + 1] == 'u' || value[i + 1] == 'U'));
        if (!ok) {
          if (!add(Protection::protocol, source, name, value.substr(i, 16), "invalid URL encoding"))
            return false;
          break;
        }
      }
    }
    if ((has_pct || (plus && value.find('+') != std::string_view::npos)) &&
        url_decode(value, url_buf_, plus))
      value = url_buf_;
  }
  if (source == Source::xml && value.find('&') != std::string_view::npos) {
    // The XML parser decodes every entity (&lt; included) before the application sees it.
    html_entity_decode(value, b64_, false);
    url_buf_.swap(b64_);
    value = url_buf_;
  }
  // One pass decides which transforms can change the value; the common plain value is read
  // in place, without a copy.
  std::string_view text = value;
  TextProfile prof = profile_of(value, lower_);
  if ((prof.mask & kDecodeTriggers) || prof.plus) {
    decode_all(value, text_, tmp_);
    text = text_;
    prof = profile_of(text, lower_);
  }
  // Binary content (uploads, compressed data) is not text the detectors could read: their
  // patterns occur by chance in random bytes ("<?", "#{"). Only file contents and raw bodies
  // are binary: elsewhere control characters are no reason to look away, as a few make any
  // short text look binary ("\x01\x02\x03<script>...", JavaScript octal escapes "\27\3B").
  if ((source == Source::multipart || source == Source::body_raw) && prof.controls * 50 > text.size() &&
      prof.controls > 2)
    return true;
  // Padding evasion: a long run of one character pushes the payload past what a WAF reads.
  // Runs longer than 32 become one character (linear, only for long values).
  if (text.size() > 256) {
    tmp_.clear();
    std::size_t run = 0;
    for (std::size_t k = 0; k < text.size(); ++k) {
      run = (k > 0 && text[k] == text[k - 1]) ? run + 1 : 0;
      if (run < 32) tmp_.push_back(text[k]);
    }
    if (tmp_.size() != text.size()) {
      std::swap(text_, tmp_);
      text = text_;
      prof = profile_of(text, lower_);
    }
  }
  // Free text: code quoted in Markdown or BBCode is shown, not run.
  // Titles quote code too: "Problem with `rm -f x`" (two words or more before the backtick).
  // (only for text holding what code masking reads, and the profile's counts first:
  // looks_like_prose only when they allow it)
  const bool code_marks = (prof.mask & (kMaskCodeTriggers | kBacktick)) || prof.tilde;
  const bool prose = code_marks && (prof.line_feed || prof.spaces >= 6) && looks_like_prose(text);
  bool quoted_code = false;
  if (!prose && (prof.mask & kBacktick)) {
    const std::size_t tick = text.find('`');
    if (tick != std::string::npos && text.find('`', tick + 1) != std::string::npos) {
      // Words before the span, and only words: "Problem with `x`", not "<img src=`...`".
      std::size_t words = 0;
      bool plain = true;
      for (std::size_t k = 0; k < tick; ++k) {
        const char c = text[k];
        words += c == ' ';
        plain &= c != '<' && c != '>' && c != '=' && c != '"' && c != '(' && c != ';' && c != '|' && c != '&';
      }
      quoted_code = words >= 2 && plain;
    }
  }
  const bool free_text_field = source == Source::query || source == Source::form ||
                               source == Source::multipart || source == Source::json;
  if (free_text_field && (prose || quoted_code) &&
      ((prof.mask & kMaskCodeTriggers) || prof.tilde) &&
      mask_code(text, tmp_)) {
    std::swap(text_, tmp_);
    text = text_;
    prof = profile_of(text, lower_);
  }
  const std::uint32_t mask = prof.mask;
  const Bigrams bigrams(lower_);
  Inspected v;
  v.source = source;
  v.name = name;
  v.raw = value;
  v.text = text;
  v.lower = lower_;
  v.mask = mask;
  v.bigrams = &bigrams;
  // Plain words, numbers and tokens cannot carry any attack we detect.
  constexpr std::uint32_t kInert = kAlpha | kDigit | kDot | kDash | kHigh;
  const bool inert = (v.mask & ~kInert) == 0;
  if (inert) {
    // Only class names (java.lang.Runtime), serialized objects and base64 remain possible,
    // and SQL made of words alone: a catalog or procedure name (information_schema,
    // xp_cmdshell), a '--' comment (1--), words glued by '+' that a back end reads as blanks
    // (2+union+all).
    const bool b64 = text.size() >= 16 && base64_plain(text, b64_);
    const bool java = holds_java_serialized_base64(text) || (v.has(kDot) && text.size() >= 8) ||
                      source == Source::multipart_filename || source == Source::header;
    const bool sql_words = (v.has(kDash) && text.find("--") != std::string::npos) ||
                           text.find_first_of("_+") != std::string::npos;
    const std::uint32_t sql = sql_words ? bit(Protection::sqli) : 0u;
    bool mixed_case = false;  // base64 (of a serialized object) mixes cases; words rarely do
    if (text.size() >= 8) {
      std::size_t upper = 0;
      for (const char c : text) upper += c >= 'A' && c <= 'Z';
      mixed_case = upper >= 2 && upper < text.size();
    }
    // A mixed-case token can only be a base64 gadget name (code injection).
    const std::uint32_t gadget = mixed_case ? bit(Protection::code_injection) : 0u;
    if (!b64 && !java && !sql && !gadget) return true;
    if (!b64 && !java) return run_detectors(v, protections & (sql | gadget));
    if (!b64)
      return run_detectors(v, protections & (bit(Protection::code_injection) | bit(Protection::lfi) |
                                             bit(Protection::xss) | bit(Protection::scanners) | sql));
  }
  if (!run_detectors(v, protections)) return false;
  // A command whose blanks are '+' once decoded: form-encoded inside a body that does not
  // define that encoding (JSON, multipart, XML: "%7Cgetent+hosts+x" is "|getent+hosts+x"), or
  // encoded twice in a query or form ("%2B%7C%2Bdir%2Bc%3A" is "+|+dir+c:"). The back end that
  // URL-decodes it (once more) reads '+' as a blank.
  const bool plus_blanks = source == Source::json || source == Source::multipart || source == Source::xml ||
                           source == Source::query || source == Source::form;
  if (plus_blanks && (protections & bit(Protection::cmdi)) && (mask & kSpace) == 0 &&
      text.find('+') != std::string_view::npos) {
    std::string blanks(text);
    std::replace(blanks.begin(), blanks.end(), '+', ' ');
    const Reread blank_plus(v, std::move(blanks));
    if (!run_detectors(blank_plus.view(), bit(Protection::cmdi))) return false;
  }
  // Values that are plainly base64 are decoded and inspected once more.
  if (text.size() >= 16 && (v.mask & ~(kAlpha | kDigit | kSlash | kEq | kDash)) == 0 &&
      !(v.mask & kSpace) && base64_plain(text, b64_)) {
    std::string decoded;
    decode_all(b64_, decoded, tmp_);
    Inspected base = v;
    base.raw = b64_;
    const Reread again(base, std::move(decoded));
    if (!run_detectors(again.view(), protections & ~bit(Protection::protocol))) return false;
  }
  return !stop_;
}

}  // namespace defender::cnaf::waf

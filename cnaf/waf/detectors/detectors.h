// Detectors: pure functions from one decoded value to "attack here, because" (a Hit). Each
// reads `v.text` / `v.lower` once or a bounded number of times (linear), skips quickly
// when the characters it needs are absent (v.mask), and never allocates beyond `scratch`.
// One file each under detectors/, each with its case table in tests/cnaf/waf/.
#pragma once

#include <array>
#include <string_view>

#include "cnaf/waf/inspected.h"

namespace defender::cnaf::waf {

bool detect_sqli(const Inspected& v, Scratch& scratch, Hit& hit);
// False when detect_sqli cannot match: identifiers, numbers, commas and connectives between
// words (sql_plain_words); checked against the detector by tests/cnaf/waf/prefilter_test.cc.
bool sqli_possible(const Inspected& v) noexcept;
bool detect_xss(const Inspected& v, Scratch& scratch, Hit& hit);
bool detect_cmdi(const Inspected& v, Scratch& scratch, Hit& hit);
bool detect_code_injection(const Inspected& v, Scratch& scratch, Hit& hit);
bool detect_lfi(const Inspected& v, Scratch& scratch, Hit& hit);
bool detect_rfi(const Inspected& v, Scratch& scratch, Hit& hit);
bool detect_ssrf(const Inspected& v, Scratch& scratch, Hit& hit);
bool detect_nosqli(const Inspected& v, Scratch& scratch, Hit& hit);
bool detect_xxe(const Inspected& v, Scratch& scratch, Hit& hit);
bool detect_shellshock(const Inspected& v, Scratch& scratch, Hit& hit);
// Tool signatures in User-Agent and similar headers (v.name is the header name).
bool detect_scanner(const Inspected& v, Scratch& scratch, Hit& hit);

// The base64 forms of the Java serialization stream header (AC ED 00 05) at its three byte
// alignments: a serialized object in a value (detect_code_injection). The transaction's
// shortcuts for plain tokens keep every value that holds one.
inline constexpr std::array<std::string_view, 3> kJavaSerializedBase64 = {"rO0AB", "KztAAU", "Cs7QAF"};
inline bool holds_java_serialized_base64(std::string_view text) noexcept {
  for (const std::string_view marker : kJavaSerializedBase64)
    if (text.find(marker) != std::string_view::npos) return true;
  return false;
}

// Whether a gadget name in base64 (detect_code_injection) could lie within a run of base64
// characters `length` long that holds `upper` upper-case letters: its needles' shortest
// length and fewest upper-case letters (code_patterns.cc).
bool java_gadget_possible(std::size_t length, std::size_t upper);

// Helpers shared by detectors (text_search.cc).
// Case-insensitive search of an ASCII lower-case needle in `lower` text from `from`.
std::size_t find_word(std::string_view lower, std::string_view needle, std::size_t from = 0) noexcept;
// True when `lower` at `pos` is not preceded or followed by a word character.
bool word_bounded(std::string_view lower, std::size_t pos, std::size_t len) noexcept;

}  // namespace defender::cnaf::waf

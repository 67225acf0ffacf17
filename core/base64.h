// Base64 decoding shared by the parsers (HTTP2-Settings, the WAF's transforms and detectors,
// the corpus reader): one symbol table, one decoding loop. Header-only.
#pragma once

#include <string>
#include <string_view>

namespace defender::core {

// The 6-bit value of a base64 symbol, standard ('+' '/') and URL-safe ('-' '_') alike; -1
// for anything else ('=' included).
constexpr int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Decodes `in` (either alphabet, padding optional) into `out`; stops at the first '='.
// False, with `out` cleared, on any other character. Leftover bits are dropped.
inline bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (const char c : in) {
    if (c == '=') break;
    const int v = base64_value(c);
    if (v < 0) {
      out.clear();
      return false;
    }
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

}  // namespace defender::core

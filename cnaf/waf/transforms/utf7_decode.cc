#include "cnaf/waf/transforms/transforms.h"

#include "core/base64.h"

namespace defender::cnaf::waf {
namespace {

// UTF-7 writes the standard alphabet; a '-' ends the run.
int b64(char c) { return c == '-' || c == '_' ? -1 : core::base64_value(c); }

bool markup_char(unsigned u) {
  switch (u) {
    case '<': case '>': case '"': case '\'': case '(': case ')': case '=': case ';': case ':':
    case '/': case '`': case '&': case '{': case '}': case '[': case ']': case '\\':
      return true;
    default:
      return false;
  }
}

}  // namespace

bool utf7_decode(std::string_view in, std::string& out) {
  out.clear();
  bool changed = false;
  std::size_t i = 0;
  while (i < in.size()) {
    if (in[i] != '+' || i + 1 >= in.size() || b64(in[i + 1]) < 0) {
      out.push_back(in[i++]);
      continue;
    }
    // "+<base64 of UTF-16BE>-": decode only when every unit is markup punctuation and the
    // bits left over are zero, as in a real encoder's output. "+1-555" and "C++" stay.
    std::size_t j = i + 1;
    unsigned bits = 0, acc = 0;
    char decoded[16];
    std::size_t n = 0;
    bool ok = true;
    while (j < in.size() && b64(in[j]) >= 0 && j < i + 1 + 21) {
      acc = (acc << 6) | static_cast<unsigned>(b64(in[j]));
      bits += 6;
      if (bits >= 16) {
        bits -= 16;
        const unsigned unit = (acc >> bits) & 0xFFFF;
        ok &= markup_char(unit) && n < sizeof decoded;
        if (ok) decoded[n++] = static_cast<char>(unit);
      }
      ++j;
    }
    ok &= n > 0 && (acc & ((1u << bits) - 1)) == 0;
    if (!ok) {
      out.push_back(in[i++]);
      continue;
    }
    out.append(decoded, n);
    if (j < in.size() && in[j] == '-') ++j;
    i = j;
    changed = true;
  }
  return changed;
}

}  // namespace defender::cnaf::waf

#include <string_view>

#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {
namespace {

// What NFKC makes of a circled digit or letter (U+2460..U+24EA), or nothing.
std::string_view circled_ascii(unsigned cp) noexcept {
  static constexpr std::string_view kTens = "1011121314151617181920";
  static constexpr std::string_view kDigits = "123456789";
  static constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  static constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
  if (cp >= 0x2460 && cp <= 0x2468) return kDigits.substr(cp - 0x2460, 1);     // ①-⑨
  if (cp >= 0x2469 && cp <= 0x2473) return kTens.substr(2 * (cp - 0x2469), 2);  // ⑩-⑳
  if (cp == 0x24EA) return "0";                                                 // ⓪
  if (cp >= 0x24B6 && cp <= 0x24CF) return kUpper.substr(cp - 0x24B6, 1);       // Ⓐ-Ⓩ
  if (cp >= 0x24D0 && cp <= 0x24E9) return kLower.substr(cp - 0x24D0, 1);       // ⓐ-ⓩ
  return {};
}

}  // namespace

bool utf8_fold(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  bool changed = false;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  const auto cont = [&](std::size_t k) { return k < in.size() && (byte(k) & 0xC0) == 0x80; };
  for (std::size_t i = 0; i < in.size(); ++i) {
    const unsigned char b = byte(i);
    if (b == 0) {
      changed = true;
      continue;
    }
    // The no-break space, U+00A0 in UTF-8 or a Latin-1 0xA0 byte on its own: a blank to the
    // SQL parsers (MySQL, MSSQL) that read it as whitespace ("1\xA0UNION\xA0SELECT").
    if ((b == 0xC2 && i + 1 < in.size() && byte(i + 1) == 0xA0) || (b == 0xA0 && (i == 0 || byte(i - 1) < 0x80))) {
      out.push_back(' ');
      i += b == 0xC2 ? 1 : 0;
      changed = true;
      continue;
    }
    if ((b == 0xC0 || b == 0xC1) && cont(i + 1)) {  // overlong 2-byte ASCII
      const char c = static_cast<char>(((b & 0x1F) << 6) | (byte(i + 1) & 0x3F));
      if (c != 0) out.push_back(c);
      ++i;
      changed = true;
      continue;
    }
    if (b == 0xE0 && cont(i + 1) && cont(i + 2) && byte(i + 1) < 0xA0) {  // overlong 3-byte
      const unsigned cp = ((byte(i + 1) & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu);
      if (cp < 0x80) {
        if (cp != 0) out.push_back(static_cast<char>(cp));
        i += 2;
        changed = true;
        continue;
      }
    }
    if (b == 0xE2 && cont(i + 1) && cont(i + 2)) {  // circled digits and letters: NFKC to ASCII
      const std::string_view ascii = circled_ascii(0x2000u | ((byte(i + 1) & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu));
      if (!ascii.empty()) {
        out.append(ascii);
        i += 2;
        changed = true;
        continue;
      }
    }
    if (b == 0xEF && cont(i + 1) && cont(i + 2)) {  // full-width forms U+FF01..U+FF5E
      const unsigned cp = 0xF000u | ((byte(i + 1) & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu);
      if (cp >= 0xFF01 && cp <= 0xFF5E) {
        out.push_back(static_cast<char>(cp - 0xFF01 + 0x21));
        i += 2;
        changed = true;
        continue;
      }
    }
    out.push_back(static_cast<char>(b));
  }
  return changed;
}

}  // namespace defender::cnaf::waf

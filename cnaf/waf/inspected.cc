#include "cnaf/waf/inspected.h"

#include <array>

namespace defender::cnaf::waf {
namespace {

constexpr std::array<std::uint32_t, 256> make_table() {
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

constexpr auto kTable = make_table();

}  // namespace

std::uint32_t char_mask(std::string_view text) noexcept {
  std::uint32_t m = 0;
  for (const char c : text) m |= kTable[static_cast<unsigned char>(c)];
  return m;
}

}  // namespace defender::cnaf::waf

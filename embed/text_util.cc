#include "embed/text_util.h"

#include <cstdint>

namespace defender::embed {
namespace {

// Decodes one UTF-8 rune at s[i]; returns its length, or 0 when invalid.
std::size_t decode(std::string_view s, std::size_t i, char32_t& rune) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    rune = b0;
    return 1;
  }
  std::size_t len = 0;
  char32_t value = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    value = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    value = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    value = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    value = (value << 6) | (b & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  rune = value;
  return len;
}

bool unicode_space(char32_t r) {
  switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

}  // namespace

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string_view trim_left_unicode_space(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t rune = 0;
    const std::size_t len = decode(s, i, rune);
    if (len == 0 || !unicode_space(rune)) break;
    i += len;
  }
  return s.substr(i);
}

std::string_view trim_unicode_space(std::string_view s) {
  s = trim_left_unicode_space(s);
  // Walk forward remembering where the last non-space rune ended.
  std::size_t end = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t rune = 0;
    std::size_t len = decode(s, i, rune);
    const bool space = len != 0 && unicode_space(rune);
    if (len == 0) len = 1;
    i += len;
    if (!space) end = i;
  }
  return s.substr(0, end);
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    char32_t rune = 0;
    const std::size_t len = decode(s, i, rune);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace defender::embed

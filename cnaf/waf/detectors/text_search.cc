#include <cstring>

#include "cnaf/waf/detectors/detectors.h"

namespace defender::cnaf::waf {
namespace {

bool word_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_';
}

}  // namespace

std::size_t find_word(std::string_view lower, std::string_view needle, std::size_t from) noexcept {
  // std::string_view::find is a linear memchr-driven search for short needles.
  return lower.find(needle, from);
}

bool word_bounded(std::string_view lower, std::size_t pos, std::size_t len) noexcept {
  if (pos > 0 && word_char(lower[pos - 1])) return false;
  if (pos + len < lower.size() && word_char(lower[pos + len])) return false;
  return true;
}

}  // namespace defender::cnaf::waf

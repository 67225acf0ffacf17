#include "cnaf/waf/inspected.h"

#include <array>

namespace defender::cnaf::waf {

std::uint32_t char_mask(std::string_view text) noexcept {
  std::uint32_t m = 0;
  for (const char c : text) m |= kCharClass[static_cast<unsigned char>(c)];
  return m;
}

}  // namespace defender::cnaf::waf

#include "cnaf/waf/transforms/transforms.h"

#include "core/base64.h"

namespace defender::cnaf::waf {

bool base64_plain(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() < 16) return false;
  std::size_t end = in.size();
  while (end > 0 && in[end - 1] == '=') --end;
  if (in.size() - end > 2) return false;
  if (end % 4 == 1) return false;
  bool lower = false, upper = false;
  for (std::size_t i = 0; i < end; ++i) {
    if (core::base64_value(in[i]) < 0) return false;
    lower |= in[i] >= 'a' && in[i] <= 'z';
    upper |= in[i] >= 'A' && in[i] <= 'Z';
  }
  if (!lower || !upper) return false;  // hex, numbers and words are not base64
  core::base64_decode(in.substr(0, end), out);
  std::size_t printable = 0;
  for (const char c : out) {
    const auto b = static_cast<unsigned char>(c);
    printable += (b >= 0x20 && b < 0x7F) || b == '\n' || b == '\r' || b == '\t';
  }
  // "Plainly" base64: what comes out reads as text.
  if (out.empty() || printable * 100 < out.size() * 95) {
    out.clear();
    return false;
  }
  return true;
}

}  // namespace defender::cnaf::waf

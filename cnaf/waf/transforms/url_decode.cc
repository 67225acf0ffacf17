#include <cstring>

#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {

bool url_decode(std::string_view in, std::string& out, bool plus_as_space) {
  // Decoding never lengthens the text: written in place into a buffer of the input's size.
  out.resize(in.size());
  char* const start = out.data();
  char* w = start;
  bool changed = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    // Copy the run up to the next '%' or '+' in one go.
    std::size_t run = i;
    while (run < in.size() && in[run] != '%' && in[run] != '+') ++run;
    if (run > i) {
      std::memcpy(w, in.data() + i, run - i);
      w += run - i;
      i = run;
      if (i >= in.size()) break;
    }
    const char c = in[i];
    if (c == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      *w++ = static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
      changed = true;
    } else if (c == '%' && i + 5 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U') &&
               hex_value(in[i + 2]) >= 0 && hex_value(in[i + 3]) >= 0 &&
               hex_value(in[i + 4]) >= 0 && hex_value(in[i + 5]) >= 0) {
      const unsigned long cp = static_cast<unsigned long>(
          hex_value(in[i + 2]) << 12 | hex_value(in[i + 3]) << 8 | hex_value(in[i + 4]) << 4 |
          hex_value(in[i + 5]));
      // IIS reads %uFFxx full-width forms as ASCII; utf8_fold does that later. (A BMP code
      // point: at most 3 bytes for the escape's 6.)
      w = put_utf8(w, cp);
      i += 5;
      changed = true;
    } else if (c == '+' && plus_as_space) {
      *w++ = ' ';
      changed = true;
    } else {
      *w++ = c;
    }
  }
  out.resize(static_cast<std::size_t>(w - start));
  return changed;
}

}  // namespace defender::cnaf::waf

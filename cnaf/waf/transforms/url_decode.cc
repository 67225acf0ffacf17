#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {

bool url_decode(std::string_view in, std::string& out, bool plus_as_space) {
  out.clear();
  out.reserve(in.size());
  bool changed = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    // Copy the run up to the next '%' or '+' in one go.
    std::size_t run = i;
    while (run < in.size() && in[run] != '%' && in[run] != '+') ++run;
    if (run > i) {
      out.append(in.data() + i, run - i);
      i = run;
      if (i >= in.size()) break;
    }
    const char c = in[i];
    if (c == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2])));
      i += 2;
      changed = true;
    } else if (c == '%' && i + 5 < in.size() && (in[i + 1] == 'u' || in[i + 1] == 'U') &&
               hex_value(in[i + 2]) >= 0 && hex_value(in[i + 3]) >= 0 &&
               hex_value(in[i + 4]) >= 0 && hex_value(in[i + 5]) >= 0) {
      const unsigned long cp = static_cast<unsigned long>(
          hex_value(in[i + 2]) << 12 | hex_value(in[i + 3]) << 8 | hex_value(in[i + 4]) << 4 |
          hex_value(in[i + 5]));
      // IIS reads %uFFxx full-width forms as ASCII; utf8_fold does that later.
      append_utf8(out, cp);
      i += 5;
      changed = true;
    } else if (c == '+' && plus_as_space) {
      out.push_back(' ');
      changed = true;
    } else {
      out.push_back(c);
    }
  }
  return changed;
}

}  // namespace defender::cnaf::waf

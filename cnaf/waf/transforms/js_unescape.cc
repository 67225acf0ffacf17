#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {

bool js_unescape(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  bool changed = false;
  const auto hex_run = [&](std::size_t from, std::size_t count, unsigned long& value) {
    if (from + count > in.size()) return false;
    value = 0;
    for (std::size_t k = 0; k < count; ++k) {
      const int v = hex_value(in[from + k]);
      if (v < 0) return false;
      value = value * 16 + static_cast<unsigned long>(v);
    }
    return true;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\' || i + 1 >= in.size()) {
      out.push_back(in[i]);
      continue;
    }
    const char e = in[i + 1];
    unsigned long cp = 0;
    if (e == 'x' && hex_run(i + 2, 2, cp)) {
      append_utf8(out, cp);
      i += 3;
    } else if (e == 'u' && i + 2 < in.size() && in[i + 2] == '{') {
      std::size_t j = i + 3;
      cp = 0;
      while (j < in.size() && j < i + 11 && hex_value(in[j]) >= 0) {
        cp = cp * 16 + static_cast<unsigned long>(hex_value(in[j]));
        ++j;
      }
      if (j >= in.size() || in[j] != '}' || j == i + 3) {
        out.push_back(in[i]);
        continue;
      }
      append_utf8(out, cp);
      i = j;
    } else if (e == 'u' && hex_run(i + 2, 4, cp)) {
      append_utf8(out, cp);
      i += 5;
    } else if (e >= '0' && e <= '7') {
      std::size_t j = i + 1;
      cp = 0;
      while (j < in.size() && j < i + 4 && in[j] >= '0' && in[j] <= '7') {
        cp = cp * 8 + static_cast<unsigned long>(in[j] - '0');
        ++j;
      }
      append_utf8(out, cp);
      i = j - 1;
    } else if (e == 'n') {
      out.push_back('\n');
      ++i;
    } else if (e == 't') {
      out.push_back('\t');
      ++i;
    } else if (e == 'r') {
      out.push_back('\r');
      ++i;
    } else if (e == '\'' || e == '"' || e == '\\' || e == '/' || e == '`') {
      out.push_back(e);
      ++i;
    } else {
      out.push_back(in[i]);
      continue;
    }
    changed = true;
  }
  return changed;
}

}  // namespace defender::cnaf::waf

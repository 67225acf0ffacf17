#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {

void sql_fold(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  const auto space = [&]() {
    if (!out.empty() && out.back() != ' ') out.push_back(' ');
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '/' && i + 1 < in.size() && in[i + 1] == '*') {
      if (i + 2 < in.size() && in[i + 2] == '!') {  // MySQL executable comment: keep content
        i += 2;
        while (i + 1 < in.size() && in[i + 1] >= '0' && in[i + 1] <= '9') ++i;
        space();
        continue;
      }
      const std::size_t close = in.find("*/", i + 2);
      i = close == std::string_view::npos ? in.size() : close + 1;
      space();
      continue;
    }
    if (c == '*' && i + 1 < in.size() && in[i + 1] == '/') {  // end of a "/*!" block
      ++i;
      space();
      continue;
    }
    if ((c == '-' && i + 1 < in.size() && in[i + 1] == '-') || c == '#') {
      const std::size_t nl = in.find('\n', i);
      i = nl == std::string_view::npos ? in.size() : nl;
      space();
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
        static_cast<unsigned char>(c) == 0xA0) {
      space();
      continue;
    }
    out.push_back(ascii_lower(c));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
}

}  // namespace defender::cnaf::waf

#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {

int path_normalize(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  int above = 0;
  std::size_t i = 0;
  const bool absolute = !in.empty() && (in[0] == '/' || in[0] == '\\');
  if (absolute) out.push_back('/');
  while (i < in.size()) {
    // One segment [i, j).
    std::size_t j = i;
    while (j < in.size() && in[j] != '/' && in[j] != '\\') ++j;
    const std::string_view seg = in.substr(i, j - i);
    if (seg.empty() || seg == ".") {
      // doubled slash or "./": nothing
    } else if (seg == "..") {
      // Drop the last segment of out, or count a climb above the start.
      std::size_t keep = out.size();
      if (keep > 0 && out[keep - 1] == '/') --keep;
      const std::size_t base = absolute ? 1 : 0;
      if (keep > base) {
        const std::size_t slash = out.rfind('/', keep - 1);
        out.resize(slash == std::string::npos ? 0 : slash + 1);
        if (out.size() < base) {
          out.clear();
          out.push_back('/');
        }
      } else {
        ++above;
      }
    } else {
      if (!out.empty() && out.back() != '/') out.push_back('/');
      out.append(seg);
    }
    i = j + 1;
  }
  if (!in.empty() && (in.back() == '/' || in.back() == '\\') && !out.empty() &&
      out.back() != '/')
    out.push_back('/');
  return above;
}

}  // namespace defender::cnaf::waf

#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {
namespace {

bool starts_with_at(std::string_view s, std::size_t i, std::string_view p) {
  return s.substr(i, p.size()) == p;
}

}  // namespace

bool shell_fold(std::string_view in, std::string& out) {
  // Folding never lengthens the text: written through a pointer into a buffer of its size.
  out.resize(in.size());
  char* const start = out.data();
  char* w = start;
  bool changed = false;
  const auto blank = [&]() {
    if (w != start && w[-1] != ' ') *w++ = ' ';
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '\'' || c == '"') {  // quotes only glue words together: c'a't == cat
      changed = true;
      continue;
    }
    if (c == '\\' && i + 1 < in.size()) {  // \c == c ; backslash-newline disappears
      const char n = in[i + 1];
      if (n != '\n') *w++ = n;
      ++i;
      changed = true;
      continue;
    }
    if ((c == '$' || c == '<' || c == '>') && i + 2 < in.size() + 1 && in.substr(i + 1, 2) == "()") {
      i += 2;  // empty substitutions glue words: ping$() / pi<()ng
      changed = true;
      continue;
    }
    if (c == '`' && i + 1 < in.size() && in[i + 1] == '`') {
      ++i;
      changed = true;
      continue;
    }
    if (c == '$') {
      if (starts_with_at(in, i, "${IFS}")) {
        blank();
        i += 5;
        changed = true;
        continue;
      }
      if (starts_with_at(in, i, "$IFS")) {
        blank();
        i += 3;
        changed = true;
        continue;
      }
      if (i + 1 < in.size() && (in[i + 1] == '@' || in[i + 1] == '*' || in[i + 1] == '-' ||
                                (in[i + 1] >= '0' && in[i + 1] <= '9'))) {
        ++i;  // empty positional expansions used as glue: c$@at
        changed = true;
        continue;
      }
      if (i + 2 < in.size() && in[i + 1] == '{' && in[i + 2] == '}') {
        i += 2;
        changed = true;
        continue;
      }
    }
    if (c == '\n') {  // a newline separates commands: keep it
      while (w != start && w[-1] == ' ') --w;
      *w++ = '\n';
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') {
      if (c != ' ' || (w != start && w[-1] == ' ')) changed = true;
      blank();
      continue;
    }
    *w++ = c;
  }
  out.resize(static_cast<std::size_t>(w - start));
  return changed;
}

}  // namespace defender::cnaf::waf

#include <array>
#include <utility>

#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {
namespace {

// The named entities that matter for markup, script and template or lookup syntax
// (case-sensitive as in HTML, plus the lower-case forms browsers also accept for these).
constexpr std::array<std::pair<std::string_view, char>, 41> kNamed = {{
    {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''},
    {"colon", ':'}, {"lpar", '('}, {"rpar", ')'}, {"sol", '/'}, {"bsol", '\\'},
    {"Tab", '\t'}, {"NewLine", '\n'}, {"period", '.'}, {"comma", ','}, {"semi", ';'},
    {"equals", '='}, {"lsqb", '['}, {"rsqb", ']'}, {"lbrack", '['}, {"rbrack", ']'},
    {"grave", '`'}, {"excl", '!'}, {"newline", '\n'}, {"tab", '\t'}, {"nbsp", ' '},
    // From here on only with their ';' ("&num=5" in a query string is no entity).
    {"lbrace", '{'}, {"rbrace", '}'}, {"lcub", '{'}, {"rcub", '}'}, {"dollar", '$'},
    {"num", '#'}, {"percnt", '%'}, {"quest", '?'}, {"commat", '@'}, {"lowbar", '_'},
    {"verbar", '|'}, {"vert", '|'}, {"midast", '*'}, {"ast", '*'}, {"plus", '+'}, {"Hat", '^'},
}};
constexpr std::size_t kSemicolonOptional = 25;  // the entries before the comment above

}  // namespace

bool html_entity_decode(std::string_view in, std::string& out, bool keep_angle) {
  out.clear();
  out.reserve(in.size());
  bool changed = false;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '&' || i + 2 >= in.size()) {
      out.push_back(in[i]);
      continue;
    }
    std::size_t j = i + 1;
    if (in[j] == '#') {
      ++j;
      const bool hex = j < in.size() && (in[j] == 'x' || in[j] == 'X');
      if (hex) ++j;
      unsigned long cp = 0;
      std::size_t digits = 0;
      // Leading zeros ("&#0000000000060;") change nothing: browsers read the number.
      bool zeros = false;
      while (j + 1 < in.size() && in[j] == '0' && (hex ? hex_value(in[j + 1]) >= 0 : (in[j + 1] >= '0' && in[j + 1] <= '9'))) {
        ++j;
        zeros = true;
      }
      while (j < in.size() && digits < 8) {
        const int v = hex ? hex_value(in[j]) : (in[j] >= '0' && in[j] <= '9' ? in[j] - '0' : -1);
        if (v < 0) break;
        cp = cp * (hex ? 16 : 10) + static_cast<unsigned long>(v);
        ++j;
        ++digits;
      }
      // Leading zeros padding ("&#0000060") is a classic trick: skip the rest of the digits.
      while (j < in.size() && digits >= 8 && hex_value(in[j]) >= 0) ++j;
      if (digits == 0 && !zeros) {
        out.push_back(in[i]);
        continue;
      }
      if (j < in.size() && in[j] == ';') ++j;
      if (keep_angle && (cp == '<' || cp == '>')) {
        out.append(cp == '<' ? "&lt;" : "&gt;");  // one canonical spelling
        i = j - 1;
        changed = true;
        continue;
      }
      if (cp != 0) append_utf8(out, cp);  // &#0; is dropped, as browsers do inside a scheme
      i = j - 1;
      changed = true;
      continue;
    }
    bool found = false;
    for (std::size_t k = 0; k < kNamed.size(); ++k) {
      const auto& [name, ch] = kNamed[k];
      if (in.substr(j, name.size()) == name) {
        std::size_t end = j + name.size();
        if (end < in.size() && in[end] == ';') {
          ++end;
        } else if (name.size() > 4 || k >= kSemicolonOptional) {
          continue;  // long names only with their ';'
        }
        if (keep_angle && (ch == '<' || ch == '>')) {
          out.append(in.substr(i, end - i));
        } else {
          out.push_back(ch);
          changed = true;
        }
        i = end - 1;
        found = true;
                break;
      }
    }
    if (!found) out.push_back(in[i]);
  }
  return changed;
}

}  // namespace defender::cnaf::waf

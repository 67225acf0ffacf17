#include "cnaf/waf/detectors/xss_patterns.h"

#include <algorithm>
#include <array>

#include "cnaf/waf/transforms/hex.h"

namespace defender::cnaf::waf {
namespace {

bool letter(char c) { return c >= 'a' && c <= 'z'; }
bool alnum(char c) { return letter(c) || (c >= '0' && c <= '9'); }
bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Tags worth obfuscating: they run script, submit, load or restyle the page.
constexpr std::array<std::string_view, 26> kDangerousTags = {
    "script", "form", "iframe", "frameset", "frame", "object", "embed", "applet", "style",
    "meta", "link", "base", "dialog", "marquee", "isindex", "vmlframe", "svg", "math", "img",
    "video", "audio", "body", "input", "button", "details", "template"};

// Tags that run script by themselves (a namespace prefix does not change that).
constexpr std::array<std::string_view, 7> kScriptTags = {"script", "vmlframe", "applet", "iframe", "object", "embed",
                                                        "stylesheet"};

bool one_of(std::string_view w, auto const& list) {
  return std::find(std::begin(list), std::end(list), w) != std::end(list);
}

// Skips blanks and /* */ comments (looked for within a window: callers skip from many
// starting points and must stay linear; an unclosed one runs to the end).
std::size_t js_skip(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    if (blank(s[i])) {
      ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      const std::size_t e = s.substr(0, std::min(s.size(), i + 256)).find("*/", i + 2);
      i = e == std::string_view::npos ? s.size() : e + 2;
    } else {
      break;
    }
  }
  return i;
}

}  // namespace

std::size_t obfuscated_tag(std::string_view s, std::size_t lt) {
  constexpr auto npos = std::string_view::npos;
  std::size_t i = lt + 1;
  // "<?import ... implementation=": an HTML component behaviour (old IE) as a PI.
  if (s.compare(i, 7, "?import") == 0) {
    const std::string_view tag = s.substr(i, 256);
    return tag.substr(0, tag.find('>')).find("implementation") != npos ? i + 7 : npos;
  }
  // A namespace prefix: "<x:script", "< x: script", "<:vmlframe".
  {
    std::size_t k = i;
    while (k < s.size() && blank(s[k])) ++k;
    std::size_t w = k;
    while (w < s.size() && (alnum(s[w]) || s[w] == '-' || s[w] == '_')) ++w;
    if (w < s.size() && s[w] == ':' && w - k <= 16) {
      std::size_t n = w + 1;
      while (n < s.size() && blank(s[n])) ++n;
      std::size_t e = n;
      while (e < s.size() && letter(s[e])) ++e;
      if (one_of(s.substr(n, e - n), kScriptTags) && (e == s.size() || !alnum(s[e]))) return e;
    }
  }
  // Letters with one separator between each: "<f o r m", "<s/c/r/i/p/t".
  std::size_t k = i;
  for (int junk = 0; k < s.size() && !alnum(s[k]) && s[k] != '<' && s[k] != '>' && junk < 3; ++junk) ++k;
  // Single letters, each followed by one separator; a longer word (an attribute) ends it.
  char name[12];
  std::size_t n = 0;
  std::size_t end = k;
  while (k < s.size() && letter(s[k]) && n < sizeof name) {
    if (k + 1 < s.size() && letter(s[k + 1])) break;
    name[n++] = s[k];
    end = ++k;
    if (k + 1 < s.size() && !alnum(s[k]) && s[k] != '<' && s[k] != '>' && s[k] != '=' && letter(s[k + 1])) ++k;
    else break;
  }
  if (n < 3 || (end < s.size() && alnum(s[end]))) return npos;
  return one_of(std::string_view(name, n), kDangerousTags) ? end : npos;
}

bool jsfuck(std::string_view s, Hit& hit) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto in_set = [](char c) {
      return c == '[' || c == ']' || c == '(' || c == ')' || c == '!' || c == '+' || c == ' ';
    };
    if (!in_set(s[i])) {
      ++i;
      continue;
    }
    const std::size_t b = i;
    std::size_t symbols = 0, empty_arrays = 0, nots = 0;
    while (i < s.size() && in_set(s[i])) {
      symbols += s[i] != ' ';
      empty_arrays += s[i] == '[' && i + 1 < s.size() && s[i + 1] == ']';
      nots += s[i] == '!';
      ++i;
    }
    if (symbols >= 12 && empty_arrays >= 3 && nots >= 1) {
      hit = Hit{b, std::min<std::size_t>(48, s.size() - b), "JSFuck-encoded script"};
      return true;
    }
  }
  return false;
}

bool hidden_dom_access(std::string_view s, bool prose, Hit& hit) {
  struct Access {
    std::string_view object;
    std::array<std::string_view, 9> properties;
  };
  static constexpr std::array<Access, 2> kAccess = {{
      {"document", {"cookie", "domain", "write", "writeln", "location", "createelement", "body",
                    "queryselector", "getelementbyid"}},
      {"", {"alert", "eval", "prompt", "confirm", "location", "execscript", "settimeout",
            "setinterval", "document"}},  // window, self, top, parent, this, frames, globalthis
  }};
  static constexpr std::array<std::string_view, 8> kGlobals = {
      "window", "self", "top", "parent", "this", "frames", "globalthis", "content"};
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!letter(s[i]) || (i > 0 && (alnum(s[i - 1]) || s[i - 1] == '_' || s[i - 1] == '$'))) continue;
    std::size_t e = i;
    while (e < s.size() && alnum(s[e])) ++e;
    // Between object and property: comments, blanks, ')' then '.' or '[' with a quote (read
    // before the name is compared: most words of a text are followed by neither).
    std::size_t k = js_skip(s, e);
    while (k < s.size() && s[k] == ')') k = js_skip(s, k + 1);
    if (k >= s.size() || (s[k] != '.' && s[k] != '[')) {
      i = e;
      continue;
    }
    const std::string_view word = s.substr(i, e - i);
    const Access* access = nullptr;
    if (word == kAccess[0].object) access = &kAccess[0];
    else if (one_of(word, kGlobals)) access = &kAccess[1];
    if (access == nullptr) {
      i = e;
      continue;
    }
    bool bracket = false;
    if (k < s.size() && s[k] == '.') {
      k = js_skip(s, k + 1);
    } else if (k < s.size() && s[k] == '[') {
      k = js_skip(s, k + 1);
      if (k < s.size() && (s[k] == '"' || s[k] == '\'' || s[k] == '`')) ++k;
      else continue;
      bracket = true;
    } else {
      i = e;
      continue;
    }
    std::size_t pe = k;
    while (pe < s.size() && alnum(s[pe])) ++pe;
    const std::string_view prop = s.substr(k, pe - k);
    // A property name glued from strings and called: self['ale'+'rt'](1).
    if (bracket && pe < s.size() && (s[pe] == '"' || s[pe] == '\'' || s[pe] == '`')) {
      const std::size_t q = js_skip(s, pe + 1);
      const std::size_t close = s.substr(0, std::min(s.size(), pe + 64)).find(']', pe);
      if (q < s.size() && s[q] == '+' && close != std::string_view::npos && js_skip(s, close + 1) < s.size() &&
          s[js_skip(s, close + 1)] == '(') {
        hit = Hit{i, std::min<std::size_t>(48, s.size() - i), "global property built from strings and called"};
        return true;
      }
    }
    // Plain "document.cookie" is the plain detector's; here the access is dressed up: in
    // brackets, behind a comment or a ')', or (outside free text, where "the top. Location"
    // is a sentence) with blanks around the dot.
    const std::string_view junk = s.substr(e, k - e);
    const bool dressed = bracket || junk.find("/*") != std::string_view::npos || junk.front() == ')' ||
                         (!prose && junk != ".");
    if (dressed && one_of(prop, access->properties)) {
      hit = Hit{i, std::min<std::size_t>(48, s.size() - i), "DOM access obfuscated with comments or brackets"};
      return true;
    }
    i = e;
  }
  // Tagged templates through call/apply ("[].sort.call`${alert}1`") and sinks substituted
  // into templates ("${ alert }"), blanks and comments anywhere.
  for (std::size_t p = s.find('`'); p != std::string_view::npos; p = s.find('`', p + 1)) {
    std::size_t b = p;
    while (b > 0 && blank(s[b - 1])) --b;
    if (b >= 2 && s.compare(b - 2, 2, "*/") == 0) {
      const std::size_t from = b >= 66 ? b - 66 : 0;
      const std::size_t rel = s.substr(from, b - 2 - from).rfind("/*");
      if (rel != std::string_view::npos) b = from + rel;
      while (b > 0 && blank(s[b - 1])) --b;
    }
    for (const std::string_view via : {std::string_view("call"), std::string_view("apply"), std::string_view("bind")}) {
      if (b >= via.size() + 1 && s.compare(b - via.size(), via.size(), via) == 0) {
        std::size_t d = b - via.size();
        while (d > 0 && blank(s[d - 1])) --d;
        if (d > 0 && s[d - 1] == '.') {
          hit = Hit{d - 1, std::min<std::size_t>(48, s.size() - d + 1), "function called through a tagged template"};
          return true;
        }
      }
    }
  }
  for (std::size_t p = s.find("${"); p != std::string_view::npos; p = s.find("${", p + 2)) {
    const std::size_t k = js_skip(s, p + 2);
    std::size_t e = k;
    while (e < s.size() && alnum(s[e])) ++e;
    const std::string_view w = s.substr(k, e - k);
    if ((w == "alert" || w == "eval" || w == "prompt" || w == "confirm") && js_skip(s, e) < s.size() &&
        s[js_skip(s, e)] == '}') {
      hit = Hit{p, std::min<std::size_t>(48, s.size() - p), "script sink in a template"};
      return true;
    }
  }
  return false;
}

std::size_t css_escape(std::string_view s, std::size_t backslash, unsigned long& cp) noexcept {
  cp = 0;
  std::size_t k = backslash + 1;
  while (k < s.size() && k < backslash + 7 && hex_value(s[k]) >= 0)
    cp = cp * 16 + static_cast<unsigned long>(hex_value(s[k++]));
  return k;
}

bool css_runs_script(std::string_view value) {
  if (value.find('\\') == std::string_view::npos && value.find("/*") == std::string_view::npos) return false;
  char out[512];
  std::size_t n = 0;
  for (std::size_t i = 0; i < value.size() && n < sizeof out; ++i) {
    const char c = value[i];
    if (c == '/' && i + 1 < value.size() && value[i + 1] == '*') {
      const std::size_t e = value.find("*/", i + 2);
      if (e == std::string_view::npos) break;
      i = e + 1;
      continue;
    }
    if (c == '\\') {
      unsigned long cp = 0;
      std::size_t k = css_escape(value, i, cp);
      if (k > i + 1) {
        if (k < value.size() && value[k] == ' ') ++k;  // one blank ends an escape
        if (cp > 0x20 && cp < 0x80) out[n++] = static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
        i = k - 1;
      }
      continue;  // "\k" is "k": the letter follows as itself
    }
    if (static_cast<unsigned char>(c) <= 0x20) continue;
    out[n++] = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
  }
  const std::string_view css(out, n);
  for (const std::string_view bad : {"expression(", "javascript:", "vbscript:", "behavior:", "-moz-binding"})
    if (css.find(bad) != std::string_view::npos) return true;
  return false;
}

bool high_bit_markup(std::string_view raw, std::string& out, Hit& hit) {
  if (raw.find('\xbc') == std::string_view::npos || raw.find('\xbe') == std::string_view::npos) return false;
  out.clear();
  bool after_high = false;  // mojibake ("\xc3\x90\xc2\xbc") clusters high characters: not markup
  for (std::size_t i = 0; i < raw.size(); ++i) {
    auto c = static_cast<unsigned char>(raw[i]);
    if (c < 0x80) {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : raw[i]);
      after_high = false;
      continue;
    }
    const bool glued = after_high;
    after_high = true;
    // A two-byte UTF-8 character: U+0080..U+00FF (lead C2/C3) keeps its Latin-1 byte;
    // any other (Cyrillic "\xd0\xbc" is a letter) is dropped whole.
    if (c >= 0xC2 && c <= 0xDF && i + 1 < raw.size() && (static_cast<unsigned char>(raw[i + 1]) & 0xC0) == 0x80) {
      const auto next = static_cast<unsigned char>(raw[++i]);
      if (c != 0xC2) continue;
      c = next;
    }
    if (glued) continue;
    if (c == 0xBC) out.push_back('<');
    else if (c == 0xBE) out.push_back('>');
    else if (c == 0xA2) out.push_back('"');
    else if (c == 0xA7) out.push_back('\'');
  }
  for (std::size_t lt = out.find('<'); lt != std::string::npos; lt = out.find('<', lt + 1)) {
    std::size_t e = lt + 1;
    while (e < out.size() && letter(out[e])) ++e;
    const std::string_view name(out.data() + lt + 1, e - lt - 1);
    if (!(name == "script" || name == "svg" || name == "img" || name == "iframe" || name == "body")) continue;
    if (e < out.size() && (out[e] == '>' || blank(out[e]) || out[e] == '/')) {
      hit = Hit{0, std::min<std::size_t>(48, raw.size()), "markup in high-bit characters (US-ASCII evasion)"};
      return true;
    }
  }
  return false;
}

}  // namespace defender::cnaf::waf

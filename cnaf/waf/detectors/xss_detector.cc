// Cross-site scripting: markup that runs script when the value is reflected into a page.
// Three contexts: HTML (a tag that is script by itself, or any tag with an event handler or
// a script URL), attribute (a quote that closes the attribute, then an event handler), and
// script URLs / JavaScript breakouts. Entity-escaped markup (&lt;script&gt;) is text, not a
// tag: decode_all keeps '<' and '>' entities encoded, so it never reaches here as a tag.
// Also: handlers opening a value or a parameter name, CSS that runs script (escaped or
// commented), SVG/MathML/XML markup, and in xss_patterns.cc the obfuscations (spaced or
// namespaced tag names, JSFuck, DOM access dressed in comments and brackets, high-bit markup).
#include <array>

#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/detectors/xss_patterns.h"
#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {
namespace {

// Tags that run script by themselves.
constexpr std::array<std::string_view, 5> kScriptTags = {"script", "applet", "xml", "xss", "vmlframe"};

// Tags that load or rewrite things: bad with the attribute that makes them do it.
struct RiskyTag {
  std::string_view tag;
  std::string_view needle;  // searched in the tag's attributes (lower case)
};
constexpr std::array<RiskyTag, 25> kRiskyTags = {{
    {"link", "href=http"}, {"link", "href=\"http"}, {"link", "href=//"}, {"embed", "code"},
    {"iframe", "view-source:"}, {"import", "implementation"},
    {"iframe", "srcdoc"}, {"frame", "srcdoc"}, {"base", "href"}, {"meta", "http-equiv"},
    {"link", "import"}, {"object", "data"}, {"embed", "src"}, {"object", "type"},
    {"iframe", "src=http"}, {"iframe", "src=//"}, {"frame", "src="}, {"iframe", "mhtml:"},
    {"form", "action"}, {"isindex", "action"}, {"meta", "charset"},
    {"object", "classid"},
    // SVG animation rewriting a link or handler, XML Events listeners.
    {"set", "attributename"}, {"animate", "attributename"}, {"listener", "handler"},
}};

// DOM event handler name prefixes (for attribute breakouts without a tag).
// HTML, SVG and vendor (webkit, moz, old IE) handlers, by prefix.
constexpr auto kEvents = std::to_array<std::string_view>({
    "onload", "onerror", "onclick", "onmouse", "onfocus", "onblur", "ontoggle", "onanimation",
    "onbegin", "onpage", "onhashchange", "onwheel", "oninput", "onchange", "onsubmit",
    "onkey", "onpointer", "onscroll", "onresize", "onmessage", "onstart", "onfinish",
    "ondrag", "ondrop", "oncopy", "oncut", "onpaste", "onselect", "onplay", "onend",
    "onreadystatechange", "ontransition", "onbefore", "onauxclick", "ondblclick",
    "oncontextmenu", "onformdata", "onsearch", "oninvalid", "ontouch", "onunload", "onshow",
    "onafter", "onreset", "onzoom", "onwebkit", "onmoz", "onactivate", "ondeactivate",
    "onabort", "oncancel", "oncanplay", "onclose", "oncuechange", "ondurationchange",
    "onemptied", "onpause", "onprogress", "onratechange", "onseek", "onstalled", "onsuspend",
    "ontimeupdate", "onvolumechange", "onwaiting", "onoffline", "ononline", "onpopstate",
    "onstorage", "onrepeat", "onfullscreen", "onlostpointercapture", "ongotpointercapture",
    "onpropertychange", "onfilterchange", "onlosecapture", "onrow", "oncellchange",
    "ondataavailable", "ondataset", "onerrorupdate", "onbounce", "onmove", "onstop",
    "onurlflip", "onsyncrestored", "ontimeerror", "oncommand", "oncontentvisibility",
    "onsecuritypolicyviolation", "onslotchange", "onvisibilitychange", "onrejectionhandled",
    "onunhandledrejection", "onlanguagechange", "onscrollend", "onfocusin", "onhelp"});

// Sinks whose call proves script execution.
constexpr std::array<std::string_view, 12> kSinks = {
    "alert", "prompt", "confirm", "eval", "settimeout", "setinterval", "fromcharcode",
    "document.write", "execscript", "msgbox", "atob", "import"};
constexpr std::uint32_t kSinkInitials = [] {
  std::uint32_t m = 0;
  for (const auto sink : kSinks) m |= 1u << (sink[0] - 'a');
  return m;
}();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/'; }
bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '_';
}

// Matches "javascript:" and friends at `pos`, allowing the blanks and controls browsers drop
// inside the scheme ("java\tscript:"). Returns the end position or npos.
std::size_t script_scheme(std::string_view s, std::size_t pos) {
  static constexpr std::array<std::string_view, 3> kSchemes = {"javascript", "vbscript",
                                                               "livescript"};
  for (const auto scheme : kSchemes) {
    std::size_t i = pos, k = 0;
    while (i < s.size() && k < scheme.size()) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c < 0x21) {
        ++i;
        continue;
      }
      if (s[i] != scheme[k]) break;
      ++i;
      ++k;
    }
    if (k != scheme.size()) continue;
    while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x21) ++i;
    if (i < s.size() && s[i] == ':') return i + 1;
  }
  return std::string_view::npos;
}

// What follows "javascript:" reads as code (a call, an assignment, a template), not as the
// rest of a sentence ("JavaScript: the good parts").
bool script_body(std::string_view s, std::size_t pos) {
  std::size_t i = pos;
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x21) ++i;
  for (; i < s.size() && i < pos + 96; ++i) {  // the first token after the scheme
    const char c = s[i];
    if (c == '(' || c == '`' || c == '=' || c == '[' || c == '%' || c == '/' || c == '\\') return true;
    if (c == ' ') return false;
  }
  return false;
}

// In free text, a handler quoted from a page (onclick="toggle('x')") is shown, not run;
// one that reaches for cookies, other origins or evaluation is an attack wherever it is.
bool malicious_handler(std::string_view s, std::size_t pos) {
  const std::string_view body = s.substr(pos, 160);
  static constexpr std::array<std::string_view, 18> kBad = {
      "alert", "prompt", "confirm", "eval", "cookie", "location", "fetch(", "xmlhttprequest",
      "fromcharcode", "atob(", "import(", "document.write", "javascript:", "settimeout(", "window[",
      "top[", "constructor", "innerhtml"};
  for (const auto b : kBad)
    if (body.find(b) != std::string_view::npos) return true;
  return false;
}

// The call opening at s[open] == '(' closes and nothing but ';' or blanks follows: the value
// is the call ("eval(x)"), not a sentence that starts like one ("eval(uation) results").
bool call_ends_value(std::string_view s, std::size_t open) {
  int depth = 0;
  std::size_t i = open;
  for (; i < s.size(); ++i) {
    depth += s[i] == '(';
    depth -= s[i] == ')';
    if (depth == 0) break;
  }
  if (i >= s.size()) return false;
  for (++i; i < s.size(); ++i)
    if (s[i] != ';' && s[i] != ' ') return false;
  return true;
}

bool starts_with(std::string_view s, std::size_t pos, std::string_view p) {
  return s.substr(pos, p.size()) == p;
}

// "on" and three or more letters, then '=': a handler attribute, known or not ("onzoom=").
bool any_handler_at(std::string_view s, std::size_t pos) {
  if (s.compare(pos, 2, "on") != 0) return false;
  std::size_t i = pos + 2;
  while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
  if (i - pos < 5 || i - pos > 48) return false;  // the longest real ones have ~45 letters
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
  return i < s.size() && s[i] == '=';
}

bool event_handler_at(std::string_view s, std::size_t pos) {
  for (const auto e : kEvents) {
    if (!starts_with(s, pos, e)) continue;
    std::size_t i = pos + e.size();
    while (i < s.size() && name_char(s[i])) ++i;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    if (i < s.size() && s[i] == '=') return true;
  }
  return false;
}

// Where the value of the next attribute `name` at or after `from` starts in a tag's
// attributes (after '=' and blanks), or npos: the attribute itself, not one whose name ends
// the same (data-style=).
std::size_t attribute_value(std::string_view attrs, std::string_view name, std::size_t from = 0) {
  for (std::size_t p = attrs.find(name, from); p != std::string_view::npos; p = attrs.find(name, p + 1)) {
    if (p > 0 && !is_space(attrs[p - 1]) && attrs[p - 1] != '"' && attrs[p - 1] != '\'') continue;
    std::size_t k = p + name.size();
    while (k < attrs.size() && is_space(attrs[k])) ++k;
    if (k >= attrs.size() || attrs[k] != '=') continue;
    ++k;
    while (k < attrs.size() && is_space(attrs[k])) ++k;
    return k;
  }
  return std::string_view::npos;
}

// `needle` in a tag's attributes (lower case). "name=value" also matches when blanks surround
// the '=' or the value is quoted (src = "http://x" as src=http), and only for the attribute
// itself (not data-src=).
bool attrs_have(std::string_view attrs, std::string_view needle) {
  if (attrs.find(needle) != std::string_view::npos) return true;
  const std::size_t eq = needle.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 >= needle.size()) return false;
  const std::string_view name = needle.substr(0, eq);
  const std::string_view value = needle.substr(eq + 1);
  for (std::size_t k = attribute_value(attrs, name); k != std::string_view::npos;
       k = attribute_value(attrs, name, k)) {
    const std::size_t v = k < attrs.size() && (attrs[k] == '"' || attrs[k] == '\'' || attrs[k] == '`') ? k + 1 : k;
    if (attrs.compare(v, value.size(), value) == 0) return true;
  }
  return false;
}

// Scans one tag opening at s[lt] == '<'. Returns true on a script-running tag.
bool bad_tag(std::string_view s, std::size_t lt, bool prose, Hit& hit) {
  // An XSLT stylesheet instruction: the document turns into what the stylesheet makes of it.
  if (s.compare(lt + 1, 15, "?xml-stylesheet") == 0) {
    hit = Hit{lt, std::min<std::size_t>(48, s.size() - lt), "XSLT stylesheet instruction"};
    return true;
  }
  std::size_t i = lt + 1;
  if (i < s.size() && s[i] == '/') ++i;
  const std::size_t name_begin = i;
  while (i < s.size() && name_char(s[i])) ++i;
  const std::string_view name = s.substr(name_begin, i - name_begin);
  if (const std::size_t e = obfuscated_tag(s, lt); e != std::string_view::npos) {
    hit = Hit{lt, std::min<std::size_t>(e - lt + 24, s.size() - lt), "obfuscated tag name"};
    return true;
  }
  if (name.empty() || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  // Attributes end at the next '<' at the latest: each byte is scanned by one tag only.
  const std::size_t next_lt = s.find('<', lt + 1);
  const std::size_t end_limit = next_lt == std::string_view::npos ? s.size() : next_lt;
  // The name must end the way a browser ends it: "<math.h>" is not a tag.
  if (i < s.size() && !is_space(s[i]) && s[i] != '>' && s[i] != '\t' &&
      !(name == "script" && s[i] == '<'))
    return false;
  for (const auto t : kScriptTags) {
    if (name == t && s[lt + 1] != '/') {
      hit = Hit{lt, std::min<std::size_t>(i - lt + 32, s.size() - lt), "script tag"};
      return true;
    }
  }
  {
    const std::size_t gt = s.substr(0, end_limit).find('>', i);
    const std::string_view attrs = s.substr(i, std::min(end_limit, gt == std::string_view::npos ? s.size() : gt) - i);
    for (const auto& r : kRiskyTags) {
      if (name == r.tag && attrs_have(attrs, r.needle)) {
        hit = Hit{lt, std::min<std::size_t>(i - lt + 40, s.size() - lt), "tag loading active content"};
        return true;
      }
    }
    // Outside free text, markup that needs no script to act: an SVG document (scripts,
    // handlers, animations and links of its own), a style sheet, or inline style that loads
    // a resource (url(), the CSS injection that exfiltrates and restyles) or hides text
    // behind CSS escapes ("\\3c", "\\0075rl(").
    if (!prose && (name == "svg" || name.starts_with("svg:"))) {
      hit = Hit{lt, std::min<std::size_t>(48, s.size() - lt), "SVG markup in a value"};
      return true;
    }
    if (!prose && name == "style" && s[lt + 1] != '/') {
      hit = Hit{lt, std::min<std::size_t>(48, s.size() - lt), "style sheet in a value"};
      return true;
    }
    if (const std::size_t at = attribute_value(attrs, "style"); !prose && at != std::string_view::npos) {
      const std::string_view css = attrs.substr(at);
      // An escape of an ASCII character hides it from filters (legitimate ones write what
      // ASCII cannot: "\\2014", icon code points).
      bool escape = false;
      for (std::size_t k = css.find('\\'); k != std::string_view::npos && !escape; k = css.find('\\', k + 1)) {
        unsigned long cp = 0;
        escape = css_escape(css, k, cp) > k + 1 && cp < 0x80;
      }
      if (escape || css.find("url(") != std::string_view::npos) {
        hit = Hit{lt, std::min<std::size_t>(i - lt + 48, s.size() - lt), "style attribute loading or escaping"};
        return true;
      }
    }
    if (name == "style") {
      // CSS escapes and controls are dropped as the CSS parser does ("@im\\port", "ja\\0bvascript").
      char folded[256];
      std::size_t n = 0;
      for (const char c : s.substr(i, 256)) {
        if (c != '\\' && static_cast<unsigned char>(c) > 0x20) folded[n++] = c;
      }
      const std::string_view body(folded, n);
      if (body.find("expression(") != std::string_view::npos || body.find("@import") != std::string_view::npos ||
          body.find("behavior:") != std::string_view::npos || body.find("-moz-binding") != std::string_view::npos ||
          body.find("javascript:") != std::string_view::npos) {
        hit = Hit{lt, std::min<std::size_t>(64, s.size() - lt), "style with script"};
        return true;
      }
    }
  }
  // A document's own structure in a value: "<html><body>" is a page injected, not text.
  if (!prose && lt == 0 && (name == "html" || name == "body" || name == "head") && i < s.size() &&
      (s[i] == '>' || is_space(s[i]))) {
    hit = Hit{lt, std::min<std::size_t>(48, s.size() - lt), "document markup in a value"};
    return true;
  }
  // A sink called inside a tag's attributes: "<img 6;avascript:alert('x')>".
  if (!prose) {
    const std::size_t gt = std::min(s.find('>', i), end_limit);
    const std::string_view attrs = s.substr(i, gt == std::string_view::npos ? end_limit - i : gt - i);
    for (const std::string_view call : {"alert(", "prompt(", "confirm(", "eval("}) {
      const std::size_t p = attrs.find(call);
      if (p != std::string_view::npos && (p == 0 || !name_char(attrs[p - 1]) || attrs[p - 1] == ':')) {
        hit = Hit{lt, std::min<std::size_t>(48, s.size() - lt), "script call inside a tag"};
        return true;
      }
    }
  }
  // HTML injection: outside free text, a tag that carries attributes is markup the
  // application did not write (a search term, an id, a name never holds "<a href=...>").
  if (!prose && lt <= 2 && s.substr(0, end_limit).find('=', i) != std::string_view::npos &&
      (s.substr(0, end_limit).find('>', i) != std::string_view::npos ||
       s.substr(0, end_limit).find_first_of("\"'", i) != std::string_view::npos)) {
    hit = Hit{lt, std::min<std::size_t>(48, s.size() - lt), "HTML tag with attributes in a value"};
    return true;
  }
  // Attributes: an event handler, a script URL, a CSS expression.
  while (i < end_limit && s[i] != '>') {
    const char c = s[i];
    if (c == '"' || c == '\'' || c == '`') {  // skip quoted attribute values
      std::size_t close = s.substr(0, end_limit).find(c, i + 1);
      const std::string_view val =
          s.substr(i + 1, (close == std::string_view::npos ? end_limit : close) - i - 1);
      std::size_t k = 0;
      while (k < val.size() && static_cast<unsigned char>(val[k]) < 0x21) ++k;
      if (script_scheme(val, k) != std::string_view::npos || val.find("expression(") != std::string_view::npos ||
          val.find("behavior:") != std::string_view::npos || val.find("behaviour:") != std::string_view::npos ||
          val.find("binding:") != std::string_view::npos || val.find("url(javascript") != std::string_view::npos ||
          val.starts_with("data:text/html") || val.find("\\3c") != std::string_view::npos ||
          css_runs_script(val)) {
        hit = Hit{lt, std::min<std::size_t>(i - lt + 40, s.size() - lt), "script URL in a tag"};
        return true;
      }
      if (close == std::string_view::npos) break;
      i = close + 1;
      continue;
    }
    // A handler, possibly namespaced ("x:ontimer="), and links of SVG / MathML ("xlink:href").
    std::size_t attr = i + 1;
    if (is_space(c) || c == '"' || c == '\'') {
      std::size_t w = attr;
      while (w < end_limit && w < attr + 16 && (s[w] >= 'a' && s[w] <= 'z')) ++w;
      if (w < end_limit && s[w] == ':' && w > attr) {
        if (!prose && s.compare(w + 1, 5, "href=") == 0 && s.compare(attr, w - attr, "xlink") == 0) {
          hit = Hit{lt, std::min<std::size_t>(48, s.size() - lt), "xlink:href link in markup"};
          return true;
        }
        // XML Events: a namespaced handler attribute runs a script element ("ev:handler=").
        if (!prose && s.compare(w + 1, 8, "handler=") == 0) {
          hit = Hit{lt, std::min<std::size_t>(48, s.size() - lt), "XML Events handler in markup"};
          return true;
        }
        attr = w + 1;
      }
    }
    if ((is_space(c) || c == '"' || c == '\'') && attr + 1 < s.size() && s[attr] == 'o' && s[attr + 1] == 'n') {
      std::size_t k = attr + 2;
      while (k < s.size() && name_char(s[k])) ++k;
      while (k < s.size() && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r')) ++k;
      if (k < s.size() && s[k] == '=' && k > attr + 3 && (!prose || malicious_handler(s, k + 1))) {
        hit = Hit{lt, std::min<std::size_t>(k - lt + 32, s.size() - lt), "event handler in a tag"};
        return true;
      }
    }
    if ((is_space(c) || c == '"' || c == '\'') && s.compare(i + 1, 7, "datasrc") == 0) {
      hit = Hit{lt, std::min<std::size_t>(48, s.size() - lt), "data binding attribute"};
      return true;
    }
    if (c == '=') {
      std::size_t k = i + 1;
      while (k < s.size() && static_cast<unsigned char>(s[k]) < 0x21) ++k;
      if (script_scheme(s, k) != std::string_view::npos) {
        hit = Hit{lt, std::min<std::size_t>(k - lt + 24, s.size() - lt), "script URL in a tag"};
        return true;
      }
    }
    ++i;
  }
  return false;
}

bool detect_xss_in(const Inspected& v, Scratch& scratch, Hit& hit);

// Short tags inside a word ("autof<x>ocus o<x>nfocus=alert<x>(1)") vanish in a filter that
// strips tags, leaving the handler whole: `text` without them into `out`; false if none.
bool strip_tags_inside_words(std::string_view text, std::string& out) {
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  out.clear();
  bool stripped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i > 0 && letter(text[i - 1])) {
      std::size_t k = i + 1 + (i + 1 < text.size() && text[i + 1] == '/' ? 1 : 0);
      const std::size_t name = k;
      while (k < text.size() && k < name + 3 && letter(text[k])) ++k;
      if (k > name && k + 1 < text.size() && text[k] == '>' && (letter(text[k + 1]) || text[k + 1] == '(')) {
        i = k;
        stripped = true;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return stripped;
}

}  // namespace

bool detect_xss(const Inspected& v, Scratch& scratch, Hit& hit) {
  if (detect_xss_in(v, scratch, hit)) return true;
  std::string text;
  if (!v.has(kLt) || !strip_tags_inside_words(v.text, text)) return false;
  const Reread stripped(v, std::move(text));
  if (!detect_xss_in(stripped.view(), scratch, hit)) return false;
  hit = Hit{0, std::min<std::size_t>(64, v.text.size()), "event handler split by tags a filter strips"};
  return true;
}

namespace {

bool detect_xss_in(const Inspected& v, Scratch& scratch, Hit& hit) {
  const std::string_view s = v.lower;
  if (s.size() < 4) return false;
  const bool prose = looks_like_prose(s);
  // Names and values that open with blanks and a handler: "  onload= " lands inside a tag
  // when reflected unquoted ("<x {name}>" / "<x a={value}>"); the name need not be known.
  {
    std::size_t k = 0;
    while (k < s.size() && (s[k] == ' ' || s[k] == '\t' || s[k] == '/' || s[k] == '"' || s[k] == '\'')) ++k;
    const bool name = v.source == Source::query_name || v.source == Source::form_name ||
                      v.source == Source::json_key || v.source == Source::cookie_name;
    if ((name || k > 0) && k + 5 < s.size() && s[k] == 'o' && s[k + 1] == 'n' &&
        (name ? any_handler_at(s, k) : event_handler_at(s, k))) {
      hit = Hit{k, std::min<std::size_t>(48, s.size() - k), "event handler opening a value"};
      return true;
    }
    // An attribute that makes a button submit elsewhere, or a frame render markup.
    if (s.substr(0, k).find_first_of("\"'") != std::string_view::npos &&
        (s.compare(k, 11, "formaction=") == 0 || s.compare(k, 7, "srcdoc=") == 0)) {
      hit = Hit{k, std::min<std::size_t>(48, s.size() - k), "attribute breakout"};
      return true;
    }
  }
  // "-->" closing a comment the value is reflected into, then markup (or nothing else).
  if (s.starts_with("-->") || s.starts_with("--!>")) {
    std::size_t k = s[2] == '!' ? 4 : 3;
    while (k < s.size() && s[k] == ' ') ++k;
    if (k == s.size() || s[k] == '<') {
      hit = Hit{0, std::min<std::size_t>(48, s.size()), "HTML comment breakout"};
      return true;
    }
  }
  if (v.has(kHigh) && high_bit_markup(v.text, scratch.a, hit)) return true;
  // Neither JSFuck nor DOM access dressed in comments and brackets is ever prose; blanks
  // (or '+' read as blanks) are part of both, so the prose test does not apply.
  if (v.has(kBracket) && jsfuck(s, hit)) return true;
  if (v.has(kSlash | kBracket | kParen | kBacktick | kDollar) && v.source != Source::path &&
      hidden_dom_access(s, prose, hit))
    return true;
  // An argument or key named like an event handler: "?  onload= =x" reflected as an attribute.
  if (v.source == Source::query_name || v.source == Source::form_name || v.source == Source::json_key ||
      v.source == Source::cookie_name) {
    std::size_t k = 0;
    while (k < s.size() && (s[k] == ' ' || s[k] == '"' || s[k] == '\'')) ++k;
    if (k + 2 < s.size() && s[k] == 'o' && s[k + 1] == 'n') {
      for (const auto e : kEvents) {
        if (s.compare(k, e.size(), e) == 0 && (k > 0 || s.size() > e.size())) {
          hit = Hit{k, std::min<std::size_t>(48, s.size() - k), "event handler as a parameter name"};
          return true;
        }
      }
    }
  }
  // HTML context: tags.
  if (v.has(kLt)) {
    for (std::size_t lt = s.find('<'); lt != std::string_view::npos; lt = s.find('<', lt + 1)) {
      if (bad_tag(s, lt, prose, hit)) return true;
    }
  }
  // Script URLs: the value is (or starts) a javascript: URL, or one follows '=' / a quote.
  if (v.has(kColon)) {
    std::size_t k = 0;
    while (k < s.size() && static_cast<unsigned char>(s[k]) < 0x21) ++k;
    std::size_t end = script_scheme(s, k);
    if (end != std::string_view::npos && end < s.size() && script_body(s, end)) {
      hit = Hit{k, std::min<std::size_t>(end - k + 32, s.size() - k), "script URL"};
      return true;
    }
    // A scheme broken up by tabs or newlines ("ja&Tab;vascript:") is an evasion, body or not.
    if (end != std::string_view::npos) {
      std::size_t gaps = 0;
      for (std::size_t q = k; q < end; ++q) gaps += static_cast<unsigned char>(s[q]) < 0x21;
      if (gaps > 0) {
        hit = Hit{k, std::min<std::size_t>(end - k + 32, s.size() - k), "script URL with a split scheme"};
        return true;
      }
    }
    for (std::size_t c = s.find(':'); c != std::string_view::npos; c = s.find(':', c + 1)) {
      // 16 visible bytes back, the blanks and controls a browser drops from a URL not counted
      // ("src=j&NewLine;&Tab;a&NewLine;&Tab;&Tab;v..."), within 160 bytes.
      std::size_t from = c, visible = 0;
      while (from > 0 && visible < 16 && c - from < 160) {
        --from;
        visible += static_cast<unsigned char>(s[from]) >= 0x21;
      }
      for (std::size_t p = from; p < c; ++p) {
        if (s[p] != '=' && s[p] != '"' && s[p] != '\'' && s[p] != '(' && s[p] != '?' && s[p] != '`') continue;
        std::size_t q = p + 1;
        while (q < c && static_cast<unsigned char>(s[q]) < 0x21) ++q;
        end = script_scheme(s, q);
        if (end == c + 1 && end < s.size() && script_body(s, end)) {
          hit = Hit{p, std::min<std::size_t>(end - p + 32, s.size() - p), "script URL"};
          return true;
        }
        // Split by tabs or newlines after '=' too: an evasion, body or not.
        if (end == c + 1 && s[p] == '=') {
          std::size_t gaps = 0;
          for (std::size_t g = q; g < c; ++g) gaps += static_cast<unsigned char>(s[g]) < 0x21;
          if (gaps > 0) {
            hit = Hit{p, std::min<std::size_t>(end - p + 32, s.size() - p), "script URL with a split scheme"};
            return true;
          }
        }
      }
    }
  }
  // DOM objects that only script touches, and CSS that runs script (old IE, Firefox XBL).
  // Free text quotes such code when it asks about it; markup that runs it is caught above.
  if (!prose && v.source != Source::path && v.source != Source::path_segment) {
    static constexpr NeedleSet kDom(std::to_array<std::string_view>({
        "document.cookie", "document.domain", "document.write", "document.location",
        "window.location", "location.href", ":expression(", "-moz-binding", "behavior:url(",
        "data:text/html", "data:image/svg+xml", "vbscript:", "livescript:", "mocha:",
        "&{", "<![cdata[<", "fromcharcode", "+adw-", "+ad4-", "document[", "document?.",
        "window[", "top[", "self[", ".call`", ".apply`", "${alert}", "${eval}", "<?xml-stylesheet",
        "url(javascript", "url(vbscript", ".insertadjacenthtml(", ".innerhtml=", ".outerhtml=",
        "<?xml:namespace",
    }));
    std::size_t where = std::string_view::npos;
    // A value that reaches here only for its dots ("window.location docs") names the DOM
    // in a search; only the bare reference itself ("document.cookie") is a probe.
    const bool dots_only = !v.has(kLt | kColon | kQuote | kDquote | kBacktick | kParen | kAmp | kBrace | kEq);
    kDom.find(s, v.mask, v.bigrams, [&](std::size_t index, std::size_t p) {
      const std::string_view n = kDom.needles[index];
      if (dots_only && v.has(kSpace)) return false;
      if (n == "&{" && s.find('}', p) == std::string_view::npos) return false;
      if (n == "&{" && s.find(';', p) == std::string_view::npos) return false;
      if (p > 0 && n[0] >= 'a' && n[0] <= 'z' && n != "document.cookie" &&
          ((s[p - 1] >= 'a' && s[p - 1] <= 'z') || s[p - 1] == '_'))
        return false;
      // A file named after the API in a URL path ("/docs/window.location.html") is no code.
      if (p > 0 && s[p - 1] == '/' && n[0] >= 'a' && n[0] <= 'z' && s.compare(p + n.size(), 5, ".html") == 0)
        return false;
      where = p;
      return true;
    });
    if (where != std::string_view::npos) {
      hit = Hit{where, std::min<std::size_t>(48, s.size() - where), "script-only DOM or CSS construct"};
      return true;
    }
    // CSS expression() after a property, blanks allowed: "background-image: expression(...)".
    for (std::size_t p = s.find("expression"); p != std::string_view::npos; p = s.find("expression", p + 1)) {
      std::size_t b = p, e = p + 10;
      while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
      if (b > 0 && s[b - 1] == ':' && e < s.size() && s[e] == '(') {
        hit = Hit{p, std::min<std::size_t>(48, s.size() - p), "CSS expression"};
        return true;
      }
    }
  }
  // An event handler whose value calls a sink, wherever it is: " src onerror=confirm(1)".
  if (v.has(kEq) && v.has(kParen | kBacktick)) {
    for (std::size_t p = s.find("on"); p != std::string_view::npos; p = s.find("on", p + 2)) {
      if (p > 0 && name_char(s[p - 1])) continue;
      std::size_t n = p + 2;
      while (n < s.size() && s[n] >= 'a' && s[n] <= 'z') ++n;
      if (n - p < 5) continue;  // on + at least three letters
      const std::size_t eq = n < s.size() ? s.substr(0, n + 3).find('=', n) : std::string_view::npos;
      if (eq == std::string_view::npos) continue;
      std::size_t k = eq + 1;
      while (k < s.size() && (s[k] == ' ' || s[k] == '"' || s[k] == '\'' || s[k] == '`')) ++k;
      for (const auto sink : kSinks) {
        if (s.compare(k, sink.size(), sink) == 0) {
          hit = Hit{p, std::min<std::size_t>(48, s.size() - p), "event handler calling a sink"};
          return true;
        }
      }
    }
  }
  // Attribute context: a quote closes the attribute, then an event handler.
  if (v.has(kQuote | kDquote | kBacktick) && v.has(kEq)) {
    for (std::size_t i = 0; i + 3 < s.size(); ++i) {
      const char c = s[i];
      if (c != '"' && c != '\'' && c != '`') continue;
      // The next few attributes after the quote: ' autofocus onfocus=alert(1) x='
      const std::size_t limit = std::min(s.size(), i + 96);
      for (std::size_t k = i + 1; k + 2 < limit; ++k) {
        if (s[k] != 'o' || s[k + 1] != 'n') continue;
        const char b = s[k - 1];
        if (!(is_space(b) || b == '"' || b == '\'' || b == '`')) continue;
        if (event_handler_at(s, k)) {
          hit = Hit{i, std::min<std::size_t>(48, s.size() - i), "attribute breakout with an event handler"};
          return true;
        }
      }
    }
  }
  // Script context: a quote or a tag closes, then a sink is called: ';alert(1)//
  if (v.has(kParen | kBacktick)) {
    const std::size_t first_break = s.find_first_of("'\"`;>");
    const std::size_t tag_close = std::max(s.rfind("\">") == std::string_view::npos ? 0 : s.rfind("\">") + 1,
                                           s.rfind("'>") == std::string_view::npos ? 0 : s.rfind("'>") + 1);
    // A sink is called from the start of a name (after no name character but ':'): each such
    // position is tried against the sinks that begin with its letter, in one pass over the text.
    for (std::size_t p = 0; p < s.size(); ++p) {
      const char c = s[p];
      if (c < 'a' || c > 'z' || ((kSinkInitials >> (c - 'a')) & 1u) == 0) continue;
      if (p > 0 && name_char(s[p - 1]) && s[p - 1] != ':') continue;
      for (const auto sink : kSinks) {
        if (sink[0] != c || s.compare(p, sink.size(), sink) != 0) continue;
        std::size_t e = p + sink.size();
        while (e < s.size() && (s[e] == ' ' || s[e] == '\t')) ++e;
        if (e + 2 < s.size() && s[e] == '?' && s[e + 1] == '.' && s[e + 2] == '(') e += 2;  // alert?.(1)
        for (const std::string_view via : {std::string_view(".call"), std::string_view(".apply"),
                                           std::string_view(".bind")})
          if (s.compare(e, via.size(), via) == 0) e += via.size();  // confirm.call(null,1)
        const bool wrapped = p > 0 && s[p - 1] == '(' && e + 1 < s.size() && s[e] == ')' && s[e + 1] == '(';
        if (wrapped) {  // (alert)(1)
          hit = Hit{p - 1, std::min<std::size_t>(32, s.size() - p + 1), "script sink called through parentheses"};
          return true;
        }
        if (e >= s.size() || (s[e] != '(' && s[e] != '`')) continue;
        // What precedes the call (blanks skipped) must end a string or a statement.
        std::size_t b = p;
        while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\n')) --b;
        const char before = b == 0 ? '\0' : s[b - 1];
        if (before == ';') {  // "&gt;alert(1)": the ';' ends an entity, not a statement
          std::size_t e2 = b - 1;
          while (e2 > 0 && b - e2 < 10 && ((s[e2 - 1] >= 'a' && s[e2 - 1] <= 'z') || s[e2 - 1] == '#' ||
                                          (s[e2 - 1] >= '0' && s[e2 - 1] <= '9')))
            --e2;
          if (e2 > 0 && s[e2 - 1] == '&') continue;
        }
        const bool breakout = before == ';' || before == '\'' || before == '"' ||
                              before == '+' || before == '-' || before == '>' ||
                              before == '|' || before == '&' || before == '`' ||
                              before == '{' || before == '*' || before == '.' ||
                              before == '[' || before == '^' || before == '~' ||
                              (before == '\0' && (sink == "alert" || sink == "prompt" || sink == "confirm")) ||
                              (before == '\0' && e == p + sink.size() && !prose && call_ends_value(s, e) &&
                               // eval and atob take one argument: "eval(q, r, x)" is another language's
                               ((sink != "eval" && sink != "atob") ||
                                s.substr(e, s.find(')', e) - e).find(',') == std::string_view::npos) &&
                               (sink == "eval" || sink == "settimeout" || sink == "setinterval" ||
                                sink == "atob" || sink == "execscript" || sink == "document.write"));
        // "alt=alert(1)//\">": a sink as an attribute's value, the tag closed after it.
        if (before == '=' && !prose && tag_close > e) {  // tag_close: one past a '"' or '\'' before '>'; 0: none
          hit = Hit{p, std::min<std::size_t>(48, s.size() - p), "sink call as an attribute value"};
          return true;
        }
        const bool quoted_before = first_break < p;
        if (breakout && (quoted_before || before == '\0')) {
          hit = Hit{b == 0 ? 0 : b - 1, std::min<std::size_t>(e - b + 24, s.size() - (b == 0 ? 0 : b - 1)),
                    "script breakout calling a sink"};
          return true;
        }
      }
    }
  }
  return false;
}

}  // namespace

}  // namespace defender::cnaf::waf

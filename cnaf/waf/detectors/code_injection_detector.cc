// Code injection: PHP, Java (deserialisation gadgets, Runtime.exec, expression languages),
// Log4Shell JNDI lookups (however obfuscated), server-side templates, Node.js and Python
// evaluation, server-side includes. Language-level calls (system(, eval( ...) count only at
// the start of a value or right after syntax that ends a string or statement, so forum
// posts quoting code are not flagged; the unmistakable gadgets count anywhere.
#include <algorithm>
#include <array>

#include "cnaf/waf/detectors/detectors.h"

namespace defender::cnaf::waf {
namespace {

Hit at(std::string_view s, std::size_t p, std::string_view reason) {
  return Hit{p, std::min<std::size_t>(64, s.size() - p), reason};
}

// Log4j lookups: "${" then, ignoring nested "${", "}", ":-", "::-", lower:/upper: wrappers,
// the letters of a lookup name and ':'.
bool log4j_lookup(std::string_view s, std::size_t p) {
  static constexpr std::array<std::string_view, 12> kLookups = {
      "jndi:", "env:", "sys:", "java:", "ctx:", "main:", "bundle:", "spring:", "k8s:",
      "docker:", "web:", "base64:"};
  // Collect up to 24 significant letters after "${", dropping obfuscation wrappers.
  char buf[32];
  std::size_t n = 0;
  std::size_t i = p + 2;
  const std::size_t limit = std::min(s.size(), p + 160);
  while (i < limit && n + 1 < sizeof buf) {
    const char c = s[i];
    if (c == '$' || c == '{' || c == '}' || c == ' ') {
      ++i;
      continue;
    }
    if (s.compare(i, 6, "lower:") == 0 || s.compare(i, 6, "upper:") == 0) {
      i += 6;
      continue;
    }
    if (c == ':' && i + 1 < s.size() && s[i + 1] == '-') {  // ${::-j} / ${x:-j}
      // drop what was collected for this wrapper's name (back to the last '{')
      std::size_t b = n;
      std::size_t k = i;
      while (k > p && s[k] != '{') {
        --k;
        if (b > 0 && s[k] != '{' && s[k] != '$' && s[k] != ':') --b;
      }
      n = b;
      i += 2;
      continue;
    }
    buf[n++] = c;
    if (c == ':') break;
    ++i;
  }
  const std::string_view got(buf, n);
  for (const auto l : kLookups)
    if (got.size() >= l.size() && got.substr(got.size() - l.size()) == l &&
        got.size() <= l.size() + 2)
      return true;
  return false;
}

bool breakout_before(std::string_view s, std::size_t p) {
  std::size_t b = p;
  while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
  if (b == 0) return true;
  const char c = s[b - 1];
  return c == ';' || c == '\'' || c == '"' || c == '`' || c == ')' || c == '|' || c == '&' ||
         c == '.' || c == '{' || c == '>' || c == '=' || c == '(';
}

}  // namespace

bool detect_code_injection(const Inspected& v, Scratch&, Hit& hit) {
  const std::string_view s = v.lower;
  if (s.size() < 4) return false;
  // Java serialized object: raw magic or its base64 form at the start of a value.
  if (s.size() >= 8 && (v.raw.substr(0, 4) == std::string_view("\xac\xed\x00\x05", 4) ||
                        v.text.substr(0, 6) == "rO0ABX" || v.text.substr(0, 5) == "rO0AB" ||
                        v.text.substr(0, 8) == "H4sIAAAA")) {
    if (v.text.substr(0, 8) != "H4sIAAAA" || s.find("rO0") != std::string_view::npos) {
      hit = at(s, 0, "Java serialized object");
      return true;
    }
  }
  if (v.has(kDollar) && v.has(kBrace)) {
    for (std::size_t p = s.find("${"); p != std::string_view::npos; p = s.find("${", p + 2)) {
      if (log4j_lookup(s, p)) {
        hit = at(s, p, "Log4j lookup (Log4Shell)");
        return true;
      }
    }
  }
  // Gadgets and idioms that are code wherever they appear.
  static constexpr NeedleSet kAnywhere(std::to_array<std::string_view>({
      "<?php", "java.lang.runtime", "java.lang.processbuilder", "getruntime().exec",
      ".getruntime()", "javax.naming", "javax.script", "org.apache.commons.collections",
      "com.sun.org.apache", "java.lang.reflect", "java.lang.class", "org.springframework.",
      "freemarker.template", "ognl.", "@java.lang", "#_memberaccess", "#context[",
      "(#_=", "java.io.file", "java.net.url", "child_process", "process.mainmodule",
      "process.binding(", "global.process", ".constructor.constructor(",
      "constructor.prototype", "__proto__[", "__proto__.", "__import__(", "__subclasses__",
      "__globals__", "__builtins__", "__mro__", "<!--#exec", "<!--#include", "<!--#echo",
      "<!--#config", "<!--#printenv", "<!--#set", "php://input", "php://filter", "expect://",
      "data://text", "zlib://", "phar://", "$_get[", "$_post[", "$_request[", "$_cookie[",
      "$_server[", "$_files[", "$globals[", "java.beans.xmldecoder", "<java", "system.diagnostics.process",
      "[system.", "runtime.exec(", "t(java.", "class.forname", ".forname(", "scriptengine",
      "xwork.", "ysoserial", "invokertransformer", "templatesimpl", "rmi://", "ldap://",
      "bsh.interpreter", "groovy.lang", "os.popen(", "os.system(", "subprocess.", "pty.spawn(",
      "eval(compile(", "exec(compile(", "require('child", "require(\"child",
      "new function(", "this.constructor", "$where", "{{constructor", "*{t(", "?new()",
      "#set(", "#foreach(", "$class.", ".__class__", "\"__class__\"", "'__class__'",
      "{{config", "{{self", "{{request", "{{''", "{{\"\"", "{{[]", "{{lipsum", "{{cycler",
      "{{joiner", "{{namespace", "{{range", "{%import", "{% import", "{% for", "{%for",
      "<%=", "<%@", "#{", "${t(", "${class", "${request", "${session", "${application",
      "${pagecontext", "${param", "${header", "${facescontext", "${initparam", "${cookie",
      "@(", "@{", "#{t(",
  }));
  const bool found = kAnywhere.find(s, v.mask, [&](std::size_t index, std::size_t p) {
    const std::string_view n = kAnywhere.needles[index];
    // A few are common in prose or code unless they open an expression.
    if ((n == "#{" || n == "@(" || n == "@{") &&
        (p + n.size() >= s.size() || s.find('}', p) == std::string_view::npos ||
         s.find_first_of("()'\".*+", p + n.size()) > s.find('}', p)))
      return false;
    if ((n == "subprocess." || n == "os.system(" || n == "os.popen(" ||
         n == "this.constructor" || n == "java.io.file" || n == "java.net.url" ||
         n == "java.lang.class" || n == "org.springframework." || n == "ldap://" ||
         n == "rmi://" || n == "$where" || n == "{% for" || n == "{%for" || n == "<%=" ||
         n == "<%@" || n == "java.lang.reflect" || n == ".forname(" || n == "[system.") &&
        !breakout_before(s, p))
      return false;
    hit = at(s, p, "code injection");
    return true;
  });
  if (found) return true;
  // Template expression with arithmetic: {{7*7}}, ${7*7}, <%= 7*7 %>, #{7*7}, *{7*7}.
  if (v.has(kBrace)) {
    for (std::size_t p = s.find('{'); p != std::string_view::npos; p = s.find('{', p + 1)) {
      std::size_t i = p + 1;
      if (i < s.size() && s[i] == '{') ++i;
      while (i < s.size() && s[i] == ' ') ++i;
      std::size_t d = i;
      while (d < s.size() && s[d] >= '0' && s[d] <= '9') ++d;
      if (d == i || d >= s.size() || (s[d] != '*' && s[d] != '+')) continue;
      std::size_t e = d + 1;
      const std::size_t e0 = e;
      while (e < s.size() && s[e] >= '0' && s[e] <= '9') ++e;
      while (e < s.size() && s[e] == ' ') ++e;
      if (e > e0 && e < s.size() && s[e] == '}' && p > 0 &&
          (s[p - 1] == '$' || s[p - 1] == '#' || s[p - 1] == '*' || s[p - 1] == '@' ||
           s[p + 1] == '{')) {
        hit = at(s, p - 1, "template expression");
        return true;
      }
    }
  }
  // Language-level calls right after a breakout: ;system('id') / ".phpinfo()." / eval(...)
  static constexpr std::string_view kCalls[] = {
      "system(", "exec(", "shell_exec(", "passthru(", "popen(", "proc_open(", "pcntl_exec(",
      "eval(", "assert(", "phpinfo(", "base64_decode(", "gzinflate(", "str_rot13(",
      "create_function(", "call_user_func(", "call_user_func_array(", "preg_replace(",
      "file_get_contents(", "file_put_contents(", "fopen(", "readfile(", "include(",
      "require(", "include_once(", "require_once(", "highlight_file(", "show_source(",
      "unserialize(", "var_dump(", "print_r(", "die(", "settimeout(", "function(",
      "__import__(", "getattr(", "compile(", "open(",
  };
  if (v.has(kParen)) {
    for (const auto n : kCalls) {
      for (std::size_t p = s.find(n); p != std::string_view::npos; p = s.find(n, p + 1)) {
        if (p > 0) {
          const char c = s[p - 1];
          if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') continue;
        }
        std::size_t b = p;
        while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
        const char before = b == 0 ? '\0' : s[b - 1];
        const bool start = b == 0;
        const bool after_break = before == ';' || before == '\'' || before == '"' ||
                                 before == '`' || before == '.' || before == '|' ||
                                 before == '&' || before == '>';
        if (!start && !after_break) continue;
        // The call must have an argument list that closes.
        const std::size_t close = s.find(')', p + n.size());
        if (close == std::string_view::npos || close > p + n.size() + 256) continue;
        if (close == p + n.size()) continue;  // system() with no argument is a mention
        if (start && (n == "open(" || n == "compile(" || n == "function(" || n == "die(" ||
                      n == "include(" || n == "require(" || n == "getattr(" || n == "fopen(" ||
                      n == "print_r(" || n == "var_dump(" || n == "settimeout("))
          continue;
        hit = at(s, b == 0 ? 0 : b - 1, "code call after a breakout");
        return true;
      }
    }
  }
  // Serialized PHP objects: O:8:"stdClass":1:{...}
  if (s.size() > 8 && (s[0] == 'o' || s[0] == 'a' || s[0] == 'c') && s[1] == ':' &&
      s[2] >= '0' && s[2] <= '9') {
    const std::size_t q = s.find(":\"");
    const std::size_t b = s.find(":{");
    if (q != std::string_view::npos && b != std::string_view::npos && q < 12) {
      hit = at(s, 0, "PHP serialized object");
      return true;
    }
  }
  return false;
}

}  // namespace defender::cnaf::waf

// Code injection: PHP, Java (deserialisation gadgets, Runtime.exec, expression languages),
// Log4Shell JNDI lookups (however obfuscated), server-side templates, Node.js and Python
// evaluation, server-side includes. Language-level calls (system(, eval( ...) count only at
// the start of a value or right after syntax that ends a string or statement, so forum
// posts quoting code are not flagged; the unmistakable gadgets count anywhere. The larger
// patterns (Java gadget names in base64, PHP dynamic and library calls, ini directives,
// upload and session file names) live in code_patterns.cc.
#include <algorithm>
#include <array>

#include "cnaf/waf/detectors/code_patterns.h"
#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {
namespace {

bool ident_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

Hit at(std::string_view s, std::size_t p, std::string_view reason) {
  return Hit{p, std::min<std::size_t>(64, s.size() - p), reason};
}

// Log4j lookups: "${" then a lookup name and ':', where nested "${x:-c}" / "${::-c}" stand
// for "c" and "${lower:c}" / "${upper:c}" for c. The letters are rebuilt with a small stack.
bool log4j_lookup(std::string_view s, std::size_t p) {
  static constexpr std::array<std::string_view, 12> kLookups = {
      "jndi:", "env:", "sys:", "java:", "ctx:", "main:", "bundle:", "spring:", "k8s:",
      "docker:", "web:", "base64:"};
  char buf[48];
  std::size_t n = 0;
  std::size_t stack[8];
  std::size_t sp = 0;
  const std::size_t limit = std::min(s.size(), p + 200);
  for (std::size_t i = p; i < limit && n < sizeof buf; ++i) {
    if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      if (sp < 8) stack[sp++] = n;
      ++i;
      continue;
    }
    if (s[i] == '}') {
      if (sp > 0) --sp;
      // "${x:-$}{jndi:...}": a value ending in '$' before a brace opens a lookup again.
      if (sp == 0 && i + 1 < s.size() && s[i + 1] == '{' && n > 0 && buf[n - 1] == '$' && n + 1 < sizeof buf) {
        buf[n++] = '{';
        stack[sp++] = n;
        ++i;
        continue;
      }
      if (sp == 0) break;
      continue;
    }
    if (s[i] == ':' && i + 1 < s.size() && s[i + 1] == '-') {
      if (sp > 0) n = stack[sp - 1];
      ++i;
      continue;
    }
    if (sp > 0 && n == stack[sp - 1] && (s.compare(i, 6, "lower:") == 0 || s.compare(i, 6, "upper:") == 0)) {
      i += 5;
      continue;
    }
    if (s[i] == ' ') continue;
    buf[n++] = s[i];
  }
  std::string_view got(buf, n);
  // A default that rebuilds a lookup ("${env:x:-$}{jndi:...}", "x${jndi:...}") is resolved
  // again: read from the last "${" rebuilt.
  if (const std::size_t re = got.rfind("${"); re != std::string_view::npos) got.remove_prefix(re);
  while (!got.empty() && (got.front() == '$' || got.front() == '{')) got.remove_prefix(1);
  for (const auto l : kLookups)
    if (got.starts_with(l)) return true;
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

constexpr std::string_view kPhpFunctions[] = {
    "array_walk", "assert_options", "bzdecompress", "convert_uudecode", "create_function",
    "debug_zval_dump", "ereg_replace", "escapeshellarg", "extract", "fgets", "file", "fputs",
    "fread", "func_get_args", "get_defined_constants", "get_defined_functions", "gzdeflate",
    "gzencode", "hex2bin", "imap_open", "ini_restore", "intval", "mb_ereg_replace", "pack",
    "posix_mkfifo", "preg_replace_callback", "proc_nice", "serialize", "set_include_path",
    "socket_create", "spl_autoload_register", "stream_socket_client", "strip_tags", "strrev",
    "uasort", "uksort", "unpack", "var_export",
    "array_filter", "array_map", "assert", "base64_decode", "call_user_func",
    "call_user_func_array", "create_function", "curl_exec", "dl", "escapeshellcmd", "eval",
    "exec", "expect_popen", "file_get_contents", "file_put_contents", "filegroup", "fileowner",
    "fopen", "fsockopen", "fwrite", "get_defined_vars", "getenv", "gethostbyname", "gzdecode",
    "gzinflate", "gzuncompress", "highlight_file", "include", "include_once", "ini_get",
    "ini_set", "mail", "move_uploaded_file", "ob_start", "parse_str", "passthru", "pcntl_exec",
    "pfsockopen", "phpinfo", "popen", "posix_getpwuid", "posix_kill", "posix_setuid",
    "preg_replace", "proc_open", "putenv", "readfile", "register_shutdown_function", "require",
    "require_once", "shell_exec", "show_source", "str_rot13", "symlink", "system", "unlink",
    "unserialize", "usort",
};

bool php_function(std::string_view w) {
  for (const auto f : kPhpFunctions)
    if (w == f) return true;
  return false;
}

// $f(...), $$f(...), ${$x}['k'](...), $a/*c*/[@5]['d'](...), $ {@_.__}(31): a variable called.
bool php_variable_call(std::string_view s) {
  std::size_t i = php_skip(s, 0);
  while (i < s.size() && s[i] == '@') ++i;
  if (i >= s.size() || s[i] != '$') return false;
  while (i < s.size() && s[i] == '$') ++i;
  i = php_skip(s, i);
  if (i < s.size() && s[i] == '{') {
    const std::size_t close = s.find('}', i);
    if (close == std::string_view::npos || close > i + 64) return false;
    i = close + 1;
  } else {
    const std::size_t nb = i;
    while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || (s[i] >= '0' && s[i] <= '9'))) ++i;
    if (i == nb || (s[nb] >= '0' && s[nb] <= '9')) return false;
  }
  for (int k = 0; k < 8; ++k) {
    i = php_skip(s, i);
    if (i < s.size() && s[i] == '[') {
      const std::size_t close = s.find(']', i);
      if (close == std::string_view::npos || close > i + 48 || close == i + 1) return false;
      i = close + 1;
      continue;
    }
    break;
  }
  if (i >= s.size() || s[i] != '(') return false;
  const std::size_t close = s.find(')', i);
  return close != std::string_view::npos && close < i + 256;
}

// Reads the start of `s` the way PHP would: skips blanks, comments, '@', '(' '[' and quotes,
// reads a name, skips the same again plus ')' ']' and index expressions, and expects '('.
bool php_call(std::string_view s, Hit& hit) {
  std::size_t i = 0;
  // Blanks and comments as php_skip() reads them, plus the punctuation a call may hide behind.
  const auto skip = [&](bool closing) {
    for (;;) {
      i = php_skip(s, i);
      if (i >= s.size()) return;
      const char c = s[i];
      const bool filler = c == '@' || c == '(' || c == '[' || c == '"' || c == '\'' ||
                          (closing && (c == ')' || c == ']' || c == '{' || c == '}' || (c >= '0' && c <= '9')));
      if (!filler) return;
      ++i;
    }
  };
  // Open tags and BBCode-style wrappers: "<?php", "<? php", "<?=", "[php]".
  {
    std::size_t t = s.find("<?");
    if (t != std::string_view::npos && s.compare(t, 5, "<?xml") == 0) {
      // An XML declaration names its version, encoding or standalone flag. "<?xml" before
      // anything else is a PHP short open tag followed by code ("<?xml :system('id');").
      std::size_t k = t + 5;
      while (k < s.size() && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r')) ++k;
      const bool declaration = k >= s.size() || s.compare(k, 7, "version") == 0 ||
                               s.compare(k, 8, "encoding") == 0 || s.compare(k, 10, "standalone") == 0 ||
                               s[k] == '-' || s[k] == '?' || s[k] == '>';
      if (!declaration && k > t + 5 - (s[k] == ':' ? 1 : 0) && s.find_first_of(";(", k) != std::string_view::npos) {
        hit = Hit{t, std::min<std::size_t>(64, s.size() - t), "PHP short open tag"};
        return true;
      }
      t = std::string_view::npos;
    }
    if (t != std::string_view::npos) {
      std::size_t k = t + 2;
      while (k < s.size() && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n')) ++k;
      if (s.compare(k, 3, "php") == 0 || (k == t + 2 && k < s.size() && s[k] == '=')) {
        hit = Hit{t, std::min<std::size_t>(64, s.size() - t), "PHP open tag"};
        return true;
      }
      const bool php_word = s.compare(k, 4, "echo") == 0 || s.compare(k, 5, "print") == 0 ||
                            s.compare(k, 6, "system") == 0 || s.compare(k, 4, "eval") == 0 ||
                            s.compare(k, 8, "passthru") == 0 || s.compare(k, 4, "exec") == 0 ||
                            s.compare(k, 7, "include") == 0 || s.compare(k, 7, "require") == 0 ||
                            (k < s.size() && s[k] == '$');
      if (k > t + 2 && php_word) {
        hit = Hit{t, std::min<std::size_t>(64, s.size() - t), "PHP short open tag"};
        return true;
      }
      if (k < s.size() && s.compare(t, 5, "<?xml") != 0 && (s.find('(', k) != std::string_view::npos) &&
          (s.find(';', k) != std::string_view::npos || s.find('$', k) != std::string_view::npos)) {
        hit = Hit{t, std::min<std::size_t>(64, s.size() - t), "PHP short open tag"};
        return true;
      }
    }
    if (s.starts_with("[php]") || s.find("[/php]") != std::string_view::npos) {
      hit = Hit{0, std::min<std::size_t>(64, s.size()), "PHP tag"};
      return true;
    }
  }
  if (php_variable_call(s)) {
    hit = Hit{0, std::min<std::size_t>(64, s.size()), "PHP variable function call"};
    return true;
  }
  skip(false);
  const std::size_t nb = i;
  while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || (s[i] >= '0' && s[i] <= '9'))) ++i;
  const std::string_view name = s.substr(nb, i - nb);
  if (!php_function(name)) return false;
  // Between the name and its argument list: blanks, comments, closing ')' ']', "[0]".
  bool call = false;
  while (i < s.size() && i < nb + 160) {
    const char c = s[i];
    if (c == '(') {
      call = true;
      break;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == ')' || c == ']' || c == '[' || c == '"' ||
        c == '\'' || (c >= '0' && c <= '9') || c == '{' || c == '}') {
      ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      const std::size_t e = s.find("*/", i + 2);
      i = e == std::string_view::npos ? s.size() : e + 2;
    } else if (s.compare(i, 2, "//") == 0) {
      const std::size_t e = s.find('\n', i);
      i = e == std::string_view::npos ? s.size() : e + 1;
    } else {
      break;
    }
  }
  if (!call) return false;
  {
    // The argument list reads as code: empty, a string, a variable, a number, or a call.
    std::size_t a = php_skip(s, i + 1);
    const char c = a < s.size() ? s[a] : ')';
    const bool code_arg = c == ')' || c == '\'' || c == '"' || c == '$' || (c >= '0' && c <= '9') ||
                          a >= s.size() || s.find_first_of("()'\"$;", a) < a + 24;
    if (!code_arg) return false;
  }
  // "system() can fail ..." is prose about a function; a call stands alone.
  const std::size_t close = s.find(')', nb);
  if (close != std::string_view::npos) {
    std::size_t spaces = 0;
    for (std::size_t k = close; k < s.size() && k < close + 64; ++k) spaces += s[k] == ' ';
    if (spaces > 2 && s.compare(close - 1, 2, "()") == 0) return false;
  }
  hit = Hit{nb, std::min<std::size_t>(64, s.size() - nb), "PHP function call"};
  return true;
}

}  // namespace

bool detect_code_injection(const Inspected& v, Scratch&, Hit& hit) {
  const std::string_view s = v.lower;
  if (s.size() < 4) return false;
  // A server-side script uploaded under its own extension (multipart file names, the
  // X-Filename family of upload headers).
  const bool file_name = v.source == Source::multipart_filename ||
                         (v.source == Source::header && v.name.size() > 6 &&
                          (v.name.find("file") != std::string_view::npos));
  if (file_name) {
    const std::string_view reason = php_upload_name(s);
    if (!reason.empty()) {
      hit = at(s, 0, reason);
      return true;
    }
  }
  // Java serialized object: the base64 form of its magic at the start of a word (every
  // occurrence: the first may be inside a word).
  // (Each candidate's second byte is tested before the whole form: 'r' is common in text.)
  for (const std::string_view magic : kJavaSerializedBase64) {
    for (std::size_t m = v.text.find(magic[0]); m != std::string_view::npos; m = v.text.find(magic[0], m + 1)) {
      if (m + 1 >= v.text.size() || v.text[m + 1] != magic[1] || v.text.compare(m, magic.size(), magic) != 0) continue;
      const char before = m == 0 ? ' ' : v.text[m - 1];
      if (!((before >= 'a' && before <= 'z') || (before >= 'A' && before <= 'Z') || (before >= '0' && before <= '9'))) {
        hit = at(s, m, "Java serialized object (base64)");
        return true;
      }
    }
  }
  if (java_base64_gadget(v.text, hit)) return true;
  // Plain words and tokens hold nothing else this detector looks for.
  if (!v.has(kDot | kParen | kLt | kDollar | kBrace | kHash | kAt | kBracket | kColon | kQuote | kDquote | kEq))
    return false;
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
      "__globals__", "__builtins__", "__mro__", "!--#exec", "!--#include", "!--#echo",
      "!--#config", "!--#printenv", "!--#set", "php://input", "php://filter", "expect://",
      "data://text", "zlib://", "phar://", "$_get[", "$_post[", "$_request[", "$_cookie[",
      "$_server[", "$_files[", "$globals[", "java.beans.xmldecoder", "<java", "system.diagnostics.process",
      "[system.", "runtime.exec(", "t(java.", "class.forname", ".forname(", "scriptengine",
      "xwork.", "ysoserial", "invokertransformer", "templatesimpl", "rmi://", "ldap://",
      "bsh.interpreter", "groovy.lang", "os.popen(", "os.system(", "pty.spawn(",
      "eval(compile(", "exec(compile(", "require('child", "require(\"child",
      "new function(", "this.constructor", "$where", "{{constructor", "*{t(", "?new()",
      "#set(", "#foreach(", "$class.", ".__class__", "\"__class__\"", "'__class__'",
      "{{config", "{{self", "{{request", "{{''", "{{\"\"", "{{[]", "{{lipsum", "{{cycler",
      "{{joiner", "{{namespace", "{{range", "{%import", "{% import", "{% for", "{%for",
      "<%=", "<%@", "#{", "${t(", "${class", "${request", "${session", "${application",
      "${pagecontext", "${param", "${header", "${facescontext", "${initparam", "${cookie",
      "@(", "@{", "#{t(", "${@", "{${", "!!python/", "!!ruby/", "!!javax.", "!!java.",
      "!!com.sun", "{php}", "{/php}", "xmlapplicationcontext(", "org.apache.commons",
      "org.omg.corba", "prototypeclonefactory", "wscript.shell", "class.module.classloader",
      "classloader.resources.context", "_$$nd_func$$_",  // node-serialize's function marker
  }));
  const bool prose = looks_like_prose(s);
  const bool found = kAnywhere.find(s, v.mask, v.bigrams, [&](std::size_t index, std::size_t p) {
    const std::string_view n = kAnywhere.needles[index];
    // PHP superglobals are named in questions about PHP; code that uses them calls functions.
    if (prose && (n.starts_with("$_") || n.starts_with("org."))) return false;
    if (n == "$_server[" && s.find("$_server['argv']") != std::string_view::npos && prose) return false;
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
  // Java: fully qualified names of classes that execute, reflect, load or deserialise, and
  // the commons-collections / Groovy gadget classes of deserialisation chains.
  if (v.has(kDot) || s.find("processbuilder") != std::string_view::npos) {
    static constexpr NeedleSet kJava(std::to_array<std::string_view>({
        "java.lang.", "java.io.", "java.net.", "java.nio.", "java.rmi.", "java.beans.",
        "java.util.zip", "java.security.", "javax.", "com.sun.", "sun.misc.", "jdk.internal",
        "processbuilder", "java.runtime", "java.processbuilder", "com.opensymphony.xwork2",
        "transformer", "closure", "instantiatefactory", "serializationfactory",
        "org.codehaus.groovy.runtime", "bsh.", "org.mozilla.javascript", "java.",
    }));
    std::size_t where = std::string_view::npos;
    kJava.find(s, v.mask, v.bigrams, [&](std::size_t index, std::size_t p) {
      const std::string_view n = kJava.needles[index];
      const bool gadget_part = n == "transformer" || n == "closure" || n == "instantiatefactory" ||
                               n == "serializationfactory";
      if (!gadget_part && p > 0 && ((s[p - 1] >= 'a' && s[p - 1] <= 'z') || s[p - 1] == '_')) return false;
      if (gadget_part) {
        // Gadget class names: "invokertransformer", "ProcessBuilder.evil.clonetransformer".
        std::size_t b = p;
        while (b > 0 && s[b - 1] >= 'a' && s[b - 1] <= 'z') --b;
        const std::string_view word = s.substr(b, p - b);
        static constexpr std::array<std::string_view, 16> kGadgets = {
            "invoker", "chained", "constant", "instantiate", "clone", "closure", "factory",
            "map", "predicate", "switch", "while", "for", "if", "prototypeclone",
            "prototype", "nop"};
        bool gadget = false;
        for (const auto g : kGadgets) gadget |= word == g;
        if (!gadget && n != "instantiatefactory" && n != "serializationfactory") return false;
        // The class named alone or qualified: "runtime.clonetransformer", "invokertransformer".
        if (word.empty() && n != "instantiatefactory" && n != "serializationfactory") return false;
        if (b > 0 && s[b - 1] != '.' && s[b - 1] != ' ' && s[b - 1] != '=' && s[b - 1] != '"') return false;
        where = b;
        return true;
      }
      // "java.<anything>.Runtime": a qualified name ending in the classes that run commands.
      if (n == "java.") {
        std::size_t e = p + n.size();
        while (e < s.size() && (ident_char(s[e]) || s[e] == '.' || s[e] == '$')) ++e;
        const std::string_view qualified = s.substr(p, e - p);
        // Not "java.runtime.version" (a system property): a package sits in between.
        const std::size_t rt = std::min(qualified.find(".runtime"), qualified.find(".processbuilder"));
        if (rt == std::string_view::npos || rt <= 4) return false;
        const std::size_t rt_end = qualified.find('.', rt + 1);
        const std::string_view cls = qualified.substr(rt + 1, (rt_end == std::string_view::npos ? qualified.size() : rt_end) - rt - 1);
        if (cls != "runtime" && cls != "processbuilder") return false;
        where = p;
        return true;
      }
      // "java.io." must name a class: an upper-case letter follows in the original text.
      const std::size_t after = p + n.size();
      if (n.back() == '.' && (after >= v.text.size() || !(v.text[after] >= 'A' && v.text[after] <= 'Z')) &&
          n != "javax." && n != "com.sun." && n != "bsh.")
        return false;
      where = p;
      return true;
    });
    if (where != std::string_view::npos) {
      hit = at(s, where, "Java class used by exploits");
      return true;
    }
  }
  // PHP: open tags and the functions that run commands, code or reach files and sockets,
  // called at the start of a value or after a breakout, with PHP's own obfuscations folded
  // (comments, (name)(...), [name][0](...), "@", quotes around the name).
  // (each of its findings needs '<', '[', '$' or '(')
  if (v.has(kLt | kBracket | kDollar | kParen) && php_call(s, hit)) return true;
  if (php_dynamic_call(s, prose, hit)) return true;
  // A call interpolated into a string: PHP "${system('id')}", "{${phpinfo()}}".
  if (!prose && v.has(kDollar) && v.has(kBrace)) {
    for (std::size_t p = s.find("${"); p != std::string_view::npos; p = s.find("${", p + 2)) {
      std::size_t k = php_skip(s, p + 2);
      const std::size_t nb = k;
      while (k < s.size() && ident_char(s[k])) ++k;
      if (k == nb || !php_function(s.substr(nb, k - nb))) continue;
      k = php_skip(s, k);
      if (k < s.size() && s[k] == '(') {
        hit = at(s, p, "call interpolated into a string");
        return true;
      }
    }
  }
  if (!prose && v.has(kParen) && php_library_call(s, hit)) return true;
  if (v.has(kEq) && php_ini_directive(s)) {
    hit = at(s, 0, "PHP configuration directive");
    return true;
  }
  // A superglobal as an argument or cookie name: "$_COOKIE=..." reflected into code.
  if (s[0] == '$' && (v.source == Source::query_name || v.source == Source::form_name ||
                      v.source == Source::cookie_name || v.source == Source::json_key)) {
    for (const std::string_view g : {"$_get", "$_post", "$_cookie", "$_request", "$_server", "$_files",
                                     "$_env", "$_session", "$globals"}) {
      if (s.starts_with(g)) {
        hit = at(s, 0, "PHP superglobal as a name");
        return true;
      }
    }
  }
  // A PHP function with a comment before its argument list ("gzuncompress/*x*/()"): the
  // comment is there to hide the call, which nobody writes in prose.
  if (v.has(kStar) && v.has(kParen)) {
    for (std::size_t c = s.find("/*"); c != std::string_view::npos; c = s.find("/*", c + 2)) {
      std::size_t b = c;
      while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
      std::size_t nb = b;
      while (nb > 0 && ident_char(s[nb - 1])) --nb;
      if (nb == b || !php_function(s.substr(nb, b - nb))) continue;
      const std::size_t open = php_skip(s, c);
      if (open < s.size() && s[open] == '(') {
        hit = at(s, nb, "PHP call hidden by a comment");
        return true;
      }
    }
  }
  // Template filters handed a PHP function: {{['id']|filter('system')}} (Twig), |map, |reduce.
  if (v.has(kPipe) && v.has(kBrace)) {
    for (std::size_t p = s.find('|'); p != std::string_view::npos; p = s.find('|', p + 1)) {
      std::size_t k = p + 1;
      while (k < s.size() && s[k] == ' ') ++k;
      std::size_t e = k;
      while (e < s.size() && s[e] >= 'a' && s[e] <= 'z') ++e;
      const std::string_view filter = s.substr(k, e - k);
      if (filter != "filter" && filter != "map" && filter != "reduce" && filter != "sort") continue;
      std::size_t a = e;
      while (a < s.size() && (s[a] == ' ' || s[a] == '(')) ++a;
      if (a >= s.size() || (s[a] != '\'' && s[a] != '"')) continue;
      std::size_t n = a + 1;
      while (n < s.size() && ident_char(s[n])) ++n;
      if (n < s.size() && s[n] == s[a] && php_function(s.substr(a + 1, n - a - 1))) {
        hit = at(s, p, "template filter calling a PHP function");
        return true;
      }
    }
  }
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
      if (e > e0 && e < s.size() && s[e] == '}' &&
          ((p > 0 && (s[p - 1] == '$' || s[p - 1] == '#' || s[p - 1] == '*' || s[p - 1] == '@')) ||
           (p + 1 < s.size() && s[p + 1] == '{'))) {
        hit = at(s, p > 0 ? p - 1 : 0, "template expression");
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
    // Each '(' once: the whole identifier before it must be one of the names (a name inside a
    // longer one, "shell_exec(" for "exec(", is not that call).
    for (std::size_t paren = s.find('('); paren != std::string_view::npos; paren = s.find('(', paren + 1)) {
      std::size_t p = paren;
      while (p > 0 && ident_char(s[p - 1])) --p;
      const std::string_view n = s.substr(p, paren + 1 - p);
      if (n.size() < 4 || std::find(std::begin(kCalls), std::end(kCalls), n) == std::end(kCalls)) continue;
      std::size_t b = p;
      while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
      const char before = b == 0 ? '\0' : s[b - 1];
      const bool start = b == 0;
      const bool after_break = before == ';' || before == '\'' || before == '"' ||
                               before == '`' || before == '.' || before == '|' ||
                               before == '&' || before == '>';
      if (!start && !after_break) continue;
      // The call must have an argument list that closes.
      const std::size_t close = s.substr(0, std::min(s.size(), p + n.size() + 256)).find(')', p + n.size());
      if (close == std::string_view::npos) continue;
      if (close == p + n.size()) continue;  // system() with no argument is a mention
      if (start && (n == "open(" || n == "compile(" || n == "function(" || n == "die(" ||
                    n == "include(" || n == "require(" || n == "getattr(" || n == "fopen(" ||
                    n == "print_r(" || n == "var_dump(" || n == "settimeout("))
        continue;
      hit = at(s, b == 0 ? 0 : b - 1, "code call after a breakout");
      return true;
    }
  }
  // Code assembled from quoted fragments: "Ex"&"e"&"cute(" (VBScript), 'ev'+'al' (JS).
  if (v.has(kQuote | kDquote)) {
    std::size_t joins = 0;
    for (std::size_t p = 1; p + 2 < s.size() && joins < 2; ++p) {
      const char q = s[p - 1];
      if ((q != '"' && q != '\'') || (s[p] != '&' && s[p] != '+') || s[p + 1] != q) continue;
      // Both fragments short words: "Ex"&"e", not "a long sentence" & "another".
      if (p < 2) continue;
      const std::size_t from = p >= 15 ? p - 15 : 0;
      const std::size_t rel_open = s.substr(from, p - 1 - from).rfind(q);
      const std::size_t rel_close = s.substr(p + 2, 14).find(q);
      if (rel_open == std::string_view::npos || rel_close == std::string_view::npos) continue;
      const std::size_t open = from + rel_open, close = p + 2 + rel_close;
      if (p - 1 - open > 12 || close - p - 2 > 12) continue;
      bool words = true;
      for (std::size_t k = open + 1; k < p - 1; ++k) words &= ident_char(s[k]);
      for (std::size_t k = p + 2; k < close; ++k) words &= ident_char(s[k]) || s[k] == '(' || s[k] == ')';
      joins += words;
    }
    if (joins >= 2) {
      hit = at(s, 0, "code assembled from string fragments");
      return true;
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
  // An object nested in serialized data: a:1:{i:0;O:8:"Exploit":0:{}} (any depth), and
  // session data holding one: _|O:32:"...".
  if (v.has(kColon) && v.has(kDquote) && v.has(kBrace)) {
    for (std::size_t p = s.find("o:"); p != std::string_view::npos; p = s.find("o:", p + 2)) {
      const char before = p == 0 ? '\0' : s[p - 1];
      if (before != '\0' && before != '{' && before != ';' && before != '|') continue;
      std::size_t k = p + 2, len = 0;
      while (k < s.size() && s[k] >= '0' && s[k] <= '9' && k < p + 6) len = len * 10 + static_cast<std::size_t>(s[k++] - '0');
      if (k == p + 2 || s.compare(k, 2, ":\"") != 0 || len == 0) continue;
      const std::size_t name_end = k + 2 + len;
      if (s.compare(name_end, 2, "\":") == 0) {
        hit = at(s, p, "PHP serialized object");
        return true;
      }
    }
  }
  return false;
}

}  // namespace defender::cnaf::waf

#include "cnaf/waf/detectors/code_patterns.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "cnaf/waf/detectors/detectors.h"
#include "core/base64.h"

namespace defender::cnaf::waf {
namespace {

// ---- Java class names in base64 -------------------------------------------------------

// Names that only a Java exploit carries: the classes that run commands and the gadget
// classes of deserialisation chains (commons-collections, TemplatesImpl, JdbcRowSetImpl...).
// Plain "Runtime" is an English word (base64 of "RuntimeError" is no attack): only its
// qualified forms count.
constexpr std::array<std::string_view, 25> kJavaGadgets = {
    "java.lang.Runtime", "java/lang/Runtime", "ProcessBuilder", "getRuntime", "ProcessImpl", "UNIXProcess",
    "InvokerTransformer", "ChainedTransformer", "ConstantTransformer", "InstantiateTransformer",
    "CloneTransformer", "ForClosure", "WhileClosure", "InstantiateFactory",
    "PrototypeCloneFactory", "PrototypeSerializationFactory", "TemplatesImpl", "JdbcRowSetImpl",
    "AnnotationInvocationHandler", "BadAttributeValueExpException", "XMLDecoder",
    "ScriptEngineManager", "ysoserial", "javax.script", "MethodClosure",
};

constexpr std::array<std::int8_t, 256> kB64 = [] {
  std::array<std::int8_t, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = static_cast<std::int8_t>(core::base64_value(static_cast<char>(c)));
  return t;
}();

int b64_index(char c) { return kB64[static_cast<unsigned char>(c)]; }

// The base64 characters that depend only on `word` when it starts `offset` bytes into a
// 3-byte group: the stable core an encoded stream holds whatever surrounds the word.
std::vector<std::uint8_t> encoded_core(std::string_view word, std::size_t offset) {
  std::string bytes(offset, '\0');
  bytes.append(word);
  bytes.append(2, '\0');
  std::vector<std::uint8_t> sextets;
  for (std::size_t i = 0; i + 2 < bytes.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = static_cast<unsigned char>(bytes[i + 1]);
    const auto b2 = static_cast<unsigned char>(bytes[i + 2]);
    sextets.push_back(static_cast<std::uint8_t>(b0 >> 2));
    sextets.push_back(static_cast<std::uint8_t>(((b0 & 3) << 4) | (b1 >> 4)));
    sextets.push_back(static_cast<std::uint8_t>(((b1 & 15) << 2) | (b2 >> 6)));
    sextets.push_back(static_cast<std::uint8_t>(b2 & 63));
  }
  // Sextet k covers bits [6k, 6k + 6); the word covers [8 offset, 8 (offset + size)).
  const std::size_t first = (8 * offset + 5) / 6;
  const std::size_t last = (8 * (offset + word.size())) / 6;  // one past the end
  return {sextets.begin() + static_cast<std::ptrdiff_t>(first),
          sextets.begin() + static_cast<std::ptrdiff_t>(std::min(last, sextets.size()))};
}

// Every gadget name (as written, first letter flipped, all lower case) in the three
// alignments, bucketed by the first two sextets: one table lookup per input byte.
struct GadgetTable {
  std::vector<std::vector<std::uint8_t>> needles;
  std::array<std::vector<std::uint16_t>, 4096> buckets;
  std::array<std::uint64_t, 64> used{};  // bit per non-empty bucket: one cache line set, not 96 KiB
  std::size_t shortest = 0;
  // The fewest upper-case letters any needle holds: a run of base64 with fewer holds none.
  std::size_t fewest_upper = 0;
  GadgetTable() {
    for (const auto name : kJavaGadgets) {
      std::string variants[3] = {std::string(name), std::string(name), std::string(name)};
      char& f = variants[1][0];
      f = (f >= 'a' && f <= 'z') ? static_cast<char>(f - 32) : (f >= 'A' && f <= 'Z') ? static_cast<char>(f + 32) : f;
      for (char& c : variants[2]) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
      for (const auto& w : variants) {
        for (std::size_t off = 0; off < 3; ++off) {
          auto core = encoded_core(w, off);
          if (core.size() < 8 || std::find(needles.begin(), needles.end(), core) != needles.end()) continue;
          const unsigned b = core[0] * 64u + core[1];
          buckets[b].push_back(static_cast<std::uint16_t>(needles.size()));
          used[b >> 6] |= 1ull << (b & 63);
          shortest = shortest == 0 ? core.size() : std::min(shortest, core.size());
          const auto upper = static_cast<std::size_t>(std::count_if(core.begin(), core.end(), [](std::uint8_t x) { return x < 26; }));
          fewest_upper = needles.empty() ? upper : std::min(fewest_upper, upper);
          needles.push_back(std::move(core));
        }
      }
    }
  }
};

const GadgetTable& gadget_table() {
  static const GadgetTable table;  // built once, read-only afterwards
  return table;
}

// ---- PHP ----------------------------------------------------------------------------

constexpr std::array<std::string_view, 18> kIniSections = {
    "opcache.", "session.", "mbstring.", "zend.", "pcre.", "phar.", "mysqli.", "pdo_mysql.",
    "xdebug.", "assert.", "cgi.", "user_ini.", "zlib.", "url_rewriter.", "highlight.",
    "apc.", "soap.", "mail."};

constexpr std::array<std::string_view, 44> kIniDirectives = {
    "allow_url_fopen", "allow_url_include", "auto_prepend_file", "auto_append_file",
    "disable_functions", "disable_classes", "open_basedir", "include_path", "extension_dir",
    "extension", "zend_extension", "sendmail_path", "sendmail_from", "error_log", "log_errors",
    "display_errors", "display_startup_errors", "error_reporting", "memory_limit",
    "max_execution_time", "max_input_time", "short_open_tag", "register_globals", "safe_mode",
    "file_uploads", "upload_tmp_dir", "upload_max_filesize", "post_max_size",
    "unserialize_callback_func", "unserialize_max_depth", "precision", "serialize_precision",
    "engine", "smtp", "smtp_port", "expose_php", "enable_dl", "doc_root", "user_dir",
    "output_handler", "variables_order", "magic_quotes_gpc", "sys_temp_dir", "default_charset"};

bool ident_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// Functions of PHP's library by extension prefix: a value that is one call of such a
// function is PHP code, whichever function it is.
constexpr std::array<std::string_view, 40> kPhpFamilies = {
    "posix_", "curl_", "pcntl_", "proc_", "shell_", "stream_", "socket_", "ftp_", "ldap_",
    "pg_", "odbc_", "mysqli_", "sqlite_", "oci_", "sodium_", "openssl_", "tidy_", "zend_",
    "array_", "str_", "mb_", "preg_", "gz", "bz", "ini_", "ob_", "func_", "call_user_func",
    "create_function", "file_", "date_", "iconv_", "libxml_", "simplexml_", "session_",
    "hash_", "var_", "highlight_", "show_source", "phpinfo"};

// Short library functions that are PHP only as a whole call: "chr(123)", "substr($x)".
constexpr std::array<std::string_view, 24> kPhpPlain = {
    "chr", "ord", "substr", "strrev", "unpack", "pack", "crypt", "range", "pi", "checkdate",
    "printf", "sprintf", "print_r", "is_array", "is_string", "implode", "explode", "strlen",
    "md5", "sha1", "base64_encode", "base64_decode", "urldecode", "rawurldecode"};

}  // namespace

bool java_gadget_possible(std::size_t length, std::size_t upper) {
  const GadgetTable& t = gadget_table();
  return t.shortest != 0 && length >= t.shortest && upper >= t.fewest_upper;
}

bool java_base64_gadget(std::string_view text, Hit& hit) {
  const GadgetTable& t = gadget_table();
  if (t.shortest == 0 || text.size() < t.shortest) return false;
  // Needles are base64 characters only: each lies inside one run of them, and only runs at
  // least as long as the shortest needle are searched (words of prose are not).
  std::size_t i = 0;
  while (i + t.shortest <= text.size()) {
    std::size_t end = i, upper = 0;
    while (end < text.size() && b64_index(text[end]) >= 0) upper += static_cast<unsigned char>(text[end++] - 'A') < 26u;
    for (std::size_t p = i; end - p >= t.shortest && upper >= t.fewest_upper; ++p) {
      const auto b = static_cast<unsigned>(b64_index(text[p]) * 64 + b64_index(text[p + 1]));
      if (((t.used[b >> 6] >> (b & 63)) & 1u) == 0) continue;
      for (const auto n : t.buckets[b]) {
        const auto& needle = t.needles[n];
        if (p + needle.size() > end) continue;
        std::size_t k = 2;
        while (k < needle.size() && b64_index(text[p + k]) == needle[k]) ++k;
        if (k == needle.size()) {
          hit = Hit{p, std::min<std::size_t>(64, text.size() - p), "Java exploit class name in base64"};
          return true;
        }
      }
    }
    i = end + 1;
  }
  return false;
}

std::size_t php_skip(std::string_view s, std::size_t i) {
  // A comment is looked for within a window, so that callers skipping from many starting
  // points stay linear; one that does not end there is taken to run to the end.
  constexpr std::size_t kWindow = 512;
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (s.compare(i, 2, "/*") == 0) {
      const std::size_t e = s.substr(0, std::min(s.size(), i + kWindow)).find("*/", i + 2);
      i = e == std::string_view::npos ? s.size() : e + 2;
    } else if (s.compare(i, 2, "//") == 0 || c == '#') {
      const std::size_t e = s.substr(0, std::min(s.size(), i + kWindow)).find('\n', i);
      i = e == std::string_view::npos ? s.size() : e + 1;
    } else {
      break;
    }
  }
  return i;
}

bool php_ini_directive(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  const std::size_t b = i;
  while (i < s.size() && (ident_char(s[i]) || s[i] == '.')) ++i;
  const std::string_view name = s.substr(b, i - b);
  if (name.size() < 4) return false;
  bool known = false;
  for (const auto d : kIniDirectives) known |= name == d;
  for (const auto sec : kIniSections)
    known |= name.size() > sec.size() + 2 && name.starts_with(sec) && name.find('.', sec.size()) == std::string_view::npos;
  if (!known) return false;
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || s[i] != '=') return false;
  ++i;
  while (i < s.size() && s[i] == ' ') ++i;
  // One setting: a single token after '=' and nothing else (no sentence, no second pair).
  const std::size_t v = i;
  while (i < s.size() && s[i] != ' ' && s[i] != '&' && s[i] != '\n') ++i;
  const std::string_view setting = s.substr(v, i - v);
  while (i < s.size() && s[i] == ' ') ++i;
  if (i == v || i != s.size()) return false;
  // Plain words as names ("engine", "smtp") take what php.ini takes: a switch, a number
  // or a path ("engine=google" is a search option, not PHP's).
  if (name.find_first_of("._") == std::string_view::npos) {
    const bool number = setting.find_first_not_of("0123456789kmg") == std::string_view::npos;
    const bool flag = setting == "on" || setting == "off" || setting == "true" || setting == "false" ||
                      setting == "yes" || setting == "no";
    const bool path = setting.front() == '/' || setting.find(".so") != std::string_view::npos ||
                      setting.find(".dll") != std::string_view::npos;
    return number || flag || path;
  }
  return true;
}

std::string_view php_upload_name(std::string_view s) {
  std::string_view n = s;
  while (!n.empty() && (n.back() == '.' || n.back() == ' ' || n.back() == '/')) n.remove_suffix(1);
  const std::size_t slash = n.find_last_of("/\\");
  const std::string_view base = slash == std::string_view::npos ? n : n.substr(slash + 1);
  // PHP session files (sess_ + a session id): uploading one poisons a session.
  if (base.starts_with("sess_") && base.size() >= 5 + 16) {
    bool id = true;
    for (const char c : base.substr(5)) id &= ident_char(c) || c == '-' || c == ',';
    if (id) return "PHP session file upload";
  }
  // Every dot segment after the first: Apache's mod_mime runs "x.php.jpg" as PHP.
  std::size_t dot = base.find('.');
  while (dot != std::string_view::npos) {
    const std::size_t end = std::min(base.find('.', dot + 1), base.size());
    std::string_view seg = base.substr(dot + 1, end - dot - 1);
    while (!seg.empty() && seg.front() == ' ') seg.remove_prefix(1);
    while (!seg.empty() && seg.back() == ' ') seg.remove_suffix(1);
    std::string_view digits = seg;
    if (digits.starts_with("php")) {
      digits.remove_prefix(3);
      bool all = true;
      for (const char c : digits) all &= c >= '0' && c <= '9';
      if (all && digits.size() <= 4) return "server-side script upload";
    }
    static constexpr std::array<std::string_view, 6> kPhp = {"phtml", "phar", "phps", "pht", "phpt", "pgif"};
    for (const auto e : kPhp)
      if (seg == e) return "server-side script upload";
    if (end == base.size()) {
      static constexpr std::array<std::string_view, 7> kLast = {"jsp", "jspx", "asp", "aspx", "cgi", "shtml", "asa"};
      for (const auto e : kLast)
        if (seg == e) return "server-side script upload";
    }
    dot = end < base.size() ? end : std::string_view::npos;
  }
  return {};
}

bool php_dynamic_call(std::string_view s, bool prose, Hit& hit) {
  // A variable called: "$name" then indexes, then '('. At the start of a value blanks and
  // comments may separate them; elsewhere only after what ends a PHP statement or operand.
  for (std::size_t p = s.find('$'); p != std::string_view::npos; p = s.find('$', p + 1)) {
    const char before = p == 0 ? '\0' : s[p - 1];
    const bool arrow = p >= 2 && (s.compare(p - 2, 2, "->") == 0 || s.compare(p - 2, 2, "::") == 0);
    if (!(before == '\0' || before == '=' || before == '@' || before == ';' || before == '(' ||
          before == '.' || before == ' ' || arrow))
      continue;
    if (prose) continue;  // a PHP question quotes "$obj->$method()"; code in posts is shown
    std::size_t i = p + 1;
    const std::size_t nb = i;
    while (i < s.size() && ident_char(s[i])) ++i;
    if (i == nb || (s[nb] >= '0' && s[nb] <= '9')) continue;
    // Indexes: [..] and {..}, nested up to a small depth.
    bool indexed = false;
    for (int k = 0; k < 6; ++k) {
      const std::size_t j = php_skip(s, i);
      if (j >= s.size() || (s[j] != '[' && s[j] != '{')) break;
      int depth = 0;
      std::size_t e = j;
      for (; e < s.size() && e < j + 64; ++e) {
        if (s[e] == '[' || s[e] == '{') ++depth;
        if (s[e] == ']' || s[e] == '}') {
          if (--depth == 0) break;
        }
      }
      if (depth != 0 || e >= s.size() || e >= j + 64 || e == j + 1) break;  // "$a[]()" is no call
      i = e + 1;
      indexed = true;
    }
    const std::size_t j = php_skip(s, i);
    if (j >= s.size() || s[j] != '(') continue;
    // Blanks or comments before '(' only where PHP's own syntax is evident.
    if (j != i && p != 0 && !indexed) continue;
    const std::size_t close = s.substr(0, std::min(s.size(), j + 129)).find(')', j);
    if (close == std::string_view::npos) continue;
    // "$x (a)" at the start of a value with a word inside is prose-like ("$5 (approx)").
    if (p == 0 && j != i && !indexed && s.find_first_of("'\"$)", j + 1) != j + 1) continue;
    hit = Hit{p, std::min<std::size_t>(64, s.size() - p), "PHP variable function call"};
    return true;
  }
  if (prose) return false;
  // Computed once: where the value first shows the marks of a built callee.
  const std::size_t first_dot = s.find('.'), first_define = s.find("define"), first_dollar = s.find('$'),
                    first_cast = s.find("(string)");
  const bool statements = s.find(';') != std::string_view::npos;
  // A string or expression result called with a string or variable argument:
  // "sys"."tem"('id'), (string)"system"('id'), {[system][0]}('id'), (x)/**/('uname').
  for (std::size_t p = s.find('('); p != std::string_view::npos; p = s.find('(', p + 1)) {
    if (p == 0) continue;
    std::size_t b = p;
    while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
    if (b >= 2 && s.compare(b - 2, 2, "*/") == 0) {  // a comment before the '('
      const std::size_t from = b >= 66 ? b - 66 : 0;
      const std::size_t rel = s.substr(from, b - 2 - from).rfind("/*");
      if (rel == std::string_view::npos) continue;
      b = from + rel;
      while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
    }
    if (b == 0) continue;
    const char closer = s[b - 1];
    if (closer != ')' && closer != '"' && closer != '\'' && closer != '}' && closer != ']') continue;
    const std::size_t a = php_skip(s, p + 1);
    if (a >= s.size()) continue;
    const char arg = s[a];
    // A quoted name glued to its argument list ("system"(x)) takes any argument.
    const bool glued_string = (closer == '"' || closer == '\'') && b == p;
    if (arg != '\'' && arg != '"' && arg != '$' && arg != '@' && !glued_string) continue;
    const std::size_t close = s.substr(0, std::min(s.size(), a + 129)).find(')', a);
    if (close == std::string_view::npos) continue;
    // The callee is built: a string literal, a concatenation or a cast/constant in parens.
    const bool built = closer == '"' || closer == '\'' || first_dot < b || first_define < b || first_dollar < b ||
                       first_cast < b || closer == '}';
    if (!built) continue;
    // An expression in parentheses called: only in code (a statement list or a leading '(').
    if (closer == ')' && s[0] != '(' && !statements) continue;
    // A string called must itself be a name: "system"(...), not a sentence in quotes.
    if (closer == '"' || closer == '\'') {
      if (b < 2) continue;
      const std::size_t from = b >= 36 ? b - 36 : 0;
      const std::size_t rel = s.substr(from, b - 1 - from).rfind(closer);
      if (rel == std::string_view::npos) continue;
      const std::size_t open = from + rel;
      bool name = b - 1 > open + 1;
      for (std::size_t k = open + 1; k < b - 1; ++k) name &= ident_char(s[k]);
      if (!name) continue;
    }
    hit = Hit{b - 1, std::min<std::size_t>(64, s.size() - (b - 1)), "PHP dynamic call"};
    return true;
  }
  return false;
}

bool php_library_call(std::string_view s, Hit& hit) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '@')) ++i;
  const std::size_t nb = i;
  while (i < s.size() && ident_char(s[i])) ++i;
  const std::string_view name = s.substr(nb, i - nb);
  if (name.size() < 2) return false;
  bool known = false;
  for (const auto f : kPhpFamilies) known |= name.starts_with(f) && (f.back() != '_' || name.size() > f.size() + 1);
  if (name.starts_with("gz") || name.starts_with("bz"))  // gzinflate, bzdecompress, not "gzip"
    known = name.size() > 5 && (name.find("compress") != std::string_view::npos ||
                                name.find("inflate") != std::string_view::npos ||
                                name.find("deflate") != std::string_view::npos ||
                                name.find("encode") != std::string_view::npos ||
                                name.find("decode") != std::string_view::npos ||
                                name.starts_with("gzopen") || name.starts_with("bzopen"));
  bool plain = false;
  for (const auto f : kPhpPlain) plain |= name == f;
  if (!known && !plain) return false;
  const std::size_t open = php_skip(s, i);
  if (open >= s.size() || s[open] != '(') return false;
  // Short names take their '(' at once or behind a comment: "pi (3.14)" is prose.
  if (plain && !known && open != i && s.substr(i, open - i).find("/*") == std::string_view::npos) return false;
  // The rest is one argument list: it closes at the end (";" allowed) or the value ends in it.
  const std::size_t close = s.find(')', open);
  if (close == std::string_view::npos && s.size() - open > 64) return false;
  if (close != std::string_view::npos) {
    std::size_t e = s.find_last_not_of(" ;");
    if (e == std::string_view::npos || s[e] != ')') return false;
  }
  // The argument must read as code (empty, a number, a string, a variable), or be still to
  // come: "array_diff (" cut at the end of the value.
  const std::size_t a = php_skip(s, open + 1);
  const char c = a < s.size() ? s[a] : ')';
  if (!(c == ')' || c == '$' || c == '\'' || c == '"' || (c >= '0' && c <= '9'))) return false;
  hit = Hit{nb, std::min<std::size_t>(64, s.size() - nb), "PHP library function call"};
  return true;
}

}  // namespace defender::cnaf::waf

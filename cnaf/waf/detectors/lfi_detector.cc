// Local file inclusion / path traversal: "../" climbs (after every decoding, with '\' and
// ';' as separators, and the "....//" filter-evasion form), and sensitive files named at the
// start of a value or after a climb. A single relative "../" in an ordinary value is allowed,
// unless spelled in hex ("0x2e0x2e0x2f"). Sensitive files named by shell globs count too.
#include <algorithm>
#include <array>

#include "cnaf/waf/detectors/detectors.h"

namespace defender::cnaf::waf {
namespace {

constexpr NeedleSet kSensitive(std::to_array<std::string_view>({
    "etc/passwd", "etc/shadow", "etc/group", "etc/hosts", "etc/issue", "etc/motd",
    "etc/security", "etc/sudoers", "etc/crontab", "etc/httpd", "etc/apache", "etc/nginx",
    "etc/mysql", "etc/ssh", "proc/self", "proc/version", "proc/cpuinfo", "proc/meminfo",
    "proc/net", "proc/1/", "boot.ini", "win.ini", "system.ini", "windows/system32",
    "windows\\system32", "winnt/", "inetpub", "wp-config", ".htaccess", ".htpasswd",
    "web.config", "web-inf", "meta-inf", ".git/", ".svn/", ".env", "id_rsa", ".ssh/",
    ".bash_history", ".bashrc", "var/log/", "/dev/null", "php.ini", "my.cnf", "etc/environment",
    "/root/", "usr/local/", "config.php", "localconfig", "autoexec.bat", "sam\\", "repair\\",
    "/.aws/", "/.docker", "/.kube", "server.xml", "tomcat-users", "c:\\", "c:/", "file://",
}));

// The URL path names a hidden file or folder (/.git/, /.env, /.docker/...) or a file that
// only exists as a backup, dump, log or key (foo.bak, db.sql.zip, errors.log, id_rsa.pem).
bool sensitive_path(std::string_view s, Hit& hit) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = s.find('/', i);
    if (j == std::string_view::npos) j = s.size();
    const std::string_view seg = s.substr(i, j - i);
    static constexpr std::array<std::string_view, 16> kHidden = {
        ".env", ".htaccess", ".htpasswd", ".git", ".svn", ".hg", ".bash_history", ".ds_store",
        ".npmrc", ".pgpass", ".netrc", ".gitconfig", ".git-credentials", ".dockerenv",
        ".user.ini", ".mysql_history"};
    bool known = false;
    for (const auto h : kHidden) known |= seg == h;
    const bool folder = j < s.size();
    if (seg.size() >= 2 && seg[0] == '.' && seg != ".." && seg != ".well-known" &&
        (known || (folder && seg.find_first_of("+ ") == std::string_view::npos))) {
      hit = Hit{i, std::min<std::size_t>(48, s.size() - i), "hidden file in the path"};
      return true;
    }
    i = j + 1;
  }
  static constexpr std::array<std::string_view, 16> kExt = {
      ".bak", ".old", ".orig", ".swp", ".sql", ".sql.zip", ".sql.gz", ".log", ".db", ".sqlite",
      ".pem", ".key", ".env", ".cfg", ".php~", ".save"};
  std::string_view last = s.substr(s.rfind('/') == std::string_view::npos ? 0 : s.rfind('/') + 1);
  if (!last.empty() && last.back() == '~') {
    hit = Hit{0, std::min<std::size_t>(48, s.size()), "editor backup file in the path"};
    return true;
  }
  for (const auto e : kExt) {
    if (last.size() > e.size() && last.ends_with(e)) {
      hit = Hit{0, std::min<std::size_t>(48, s.size()), "backup, dump, log or key file in the path"};
      return true;
    }
  }
  return false;
}

// "0x2e0x2e0x2f" spells "../" in hex; read it so.
bool hex_path(std::string_view s, std::string& out) {
  if (s.find("0x2") == std::string_view::npos && s.find("0x5c") == std::string_view::npos) return false;
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 4, "0x2e") == 0) {
      out.push_back('.');
      i += 3;
    } else if (s.compare(i, 4, "0x2f") == 0) {
      out.push_back('/');
      i += 3;
    } else if (s.compare(i, 4, "0x5c") == 0) {
      out.push_back('\\');
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return true;
}

// Shell glob `glob` ('?' one character, '*' a run) could name the literal path `path`.
bool glob_names(std::string_view glob, std::string_view path) {
  std::size_t g = 0, p = 0, star = std::string_view::npos, mark = 0;
  while (p < path.size()) {
    if (g < glob.size() && (glob[g] == '?' || glob[g] == path[p])) {
      ++g;
      ++p;
    } else if (g < glob.size() && glob[g] == '*') {
      star = g++;
      mark = p;
    } else if (star != std::string_view::npos) {
      g = star + 1;
      p = ++mark;
    } else {
      return false;
    }
  }
  while (g < glob.size() && glob[g] == '*') ++g;
  return g == glob.size();
}

// "/etc/pas[s]wd", "/[e//]tc/[!q]asswd", "/etc/pa*wd": a sensitive file or shell named by a
// glob, bracket expressions (any content) read as one character.
bool globbed_sensitive(std::string_view s, std::string& folded, Hit& hit) {
  static constexpr std::array<std::string_view, 11> kGlobTargets = {
      "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/hosts", "/etc/sudoers", "/etc",
      "/bin/sh", "/bin/bash", "/usr/bin/bash", "/proc/self/environ", "/bin/nc"};
  folded.clear();
  for (std::size_t i = 0; i < s.size() && folded.size() < 4096; ++i) {
    if (s[i] == '[') {
      const std::size_t close = s.substr(i + 1, 12).find(']');
      if (close != std::string_view::npos) {
        folded.push_back('?');
        i += close + 1;
        continue;
      }
    }
    folded.push_back(s[i]);
  }
  const std::string_view f = folded;
  for (std::size_t i = f.find('/'); i != std::string_view::npos; i = f.find('/', i + 1)) {
    if (i > 0 && f[i - 1] != ' ' && f[i - 1] != '=' && f[i - 1] != ';' && f[i - 1] != '|' && f[i - 1] != '&' &&
        f[i - 1] != '\'' && f[i - 1] != '"')
      continue;  // the start of a path only
    std::size_t e = i;
    while (e < f.size() && f[e] != ' ' && f[e] != ';' && f[e] != '|' && f[e] != '&' && f[e] != '\'' &&
           f[e] != '"' && e < i + 64)
      ++e;
    const std::string_view token = f.substr(i, e - i);
    if (token.find_first_of("?*") == std::string_view::npos) continue;
    // Enough of the name spelled out ("/*" names everything), folder for folder.
    std::size_t letters = 0, slashes = 0;
    for (const char c : token) {
      letters += c >= 'a' && c <= 'z';
      slashes += c == '/';
    }
    // ... including the file's own name: "/etc/*" lists a folder, "/etc/pa*wd" names a file.
    const std::size_t last_slash = token.rfind('/');
    std::size_t name_letters = 0;
    for (std::size_t k = last_slash + 1; k < token.size(); ++k) name_letters += token[k] >= 'a' && token[k] <= 'z';
    if (letters < 3 || name_letters < 2) continue;
    for (const auto t : kGlobTargets) {
      if (static_cast<std::size_t>(std::count(t.begin(), t.end(), '/')) == slashes && glob_names(token, t)) {
        hit = Hit{i, std::min<std::size_t>(64, s.size() - std::min(i, s.size())), "sensitive file named by a glob"};
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool detect_lfi(const Inspected& v, Scratch& scratch, Hit& hit) {
  std::string_view s = v.lower;
  if (s.size() < 3 || !v.has(kDot | kSlash | kBackslash | kColon)) return false;
  if (v.source == Source::path && sensitive_path(s, hit)) return true;
  // Windows administrative shares and registry hives: \\host\c$\..., ntuser.dat, sam.
  static constexpr NeedleSet kShares(
      std::to_array<std::string_view>({"\\c$\\", "/c$/", "\\admin$\\", "ntuser.dat"}));
  if (kShares.find(s, v.mask, v.bigrams, [&](std::size_t, std::size_t p) {
        hit = Hit{p, std::min<std::size_t>(64, s.size() - p), "Windows administrative share or hive"};
        return true;
      }))
    return true;
  // Dots and slashes spelled in hex ("0x2e0x2e0x2f") are no file name: one such climb counts.
  if (v.has(kBracket | kStar) || s.find('?') != std::string_view::npos) {
    if (globbed_sensitive(s, scratch.b, hit)) return true;
  }
  const bool hex_spelled = v.has(kDigit) && hex_path(s, scratch.a) && scratch.a.find("..") != std::string::npos;
  if (hex_spelled) s = scratch.a;
  // Count ".." followed by a separator (or "....//" forms).
  std::size_t climbs = 0;
  std::size_t first = std::string_view::npos;
  for (std::size_t i = 0; i + 2 < s.size() + 1; ++i) {
    if (s[i] != '.' || i + 1 >= s.size() || s[i + 1] != '.') continue;
    std::size_t j = i + 2;
    while (j < s.size() && s[j] == '.') ++j;  // "...." as used against naive filters
    if (j >= s.size()) {
      if (i > 0 && (s[i - 1] == '/' || s[i - 1] == '\\')) ++climbs;
      break;
    }
    if (s[j] == '/' || s[j] == '\\' || s[j] == ';' || (s[j] == '%' && j + 2 < s.size()) ||
        (j - i >= 3 && (s[j] == '{' || i <= 1))) {  // "/......{file}": dot runs as climbs
      if (first == std::string_view::npos) first = i;
      ++climbs;
    }
    i = j - 1;
  }
  std::size_t lead = 0;
  while (lead < s.size() && (s[lead] == ' ' || s[lead] == '\t')) ++lead;
  const bool from_start = first != std::string_view::npos && first <= lead + 2;
  // The climbs open the value behind slashes and "./" only ("////../../", "/./../../x").
  std::size_t root = lead;
  while (root < s.size() && (s[root] == '/' || s[root] == '\\' ||
                             (s[root] == '.' && root + 1 < s.size() && (s[root + 1] == '/' || s[root + 1] == '\\'))))
    ++root;
  const bool from_root = first != std::string_view::npos && first == root;
  if (climbs >= 3 || (climbs >= 2 && (from_start || from_root || v.source == Source::path)) ||
      (climbs >= 1 && hex_spelled && first <= root)) {
    hit = Hit{first, std::min<std::size_t>(64, s.size() - first), "path traversal"};
    return true;
  }
  // Sensitive files: at the start of the value, after a climb, or anywhere in the path.
  // Elsewhere a name counts within the first lead + 12 bytes only, and find reports a needle's
  // first occurrence: the start of the value is all that needs searching.
  constexpr std::size_t kLongest = [] {
    std::size_t n = 0;
    for (const auto needle : kSensitive.needles) n = std::max(n, needle.size());
    return n;
  }();
  const std::string_view searched =
      climbs > 0 || v.source == Source::path ? s : s.substr(0, std::min(s.size(), lead + 12 + kLongest));
  std::size_t where = std::string_view::npos;
  // (the hex-spelled text has characters of its own; the value's mask covers its own text)
  const bool own = s.data() == v.lower.data();
  kSensitive.find(searched, own ? v.mask : v.mask | char_mask(searched), own ? v.bigrams : nullptr,
                  [&](std::size_t, std::size_t p) {
    const bool ok = climbs > 0 || p <= lead + 4 ||
                    (v.source == Source::path && p <= 1) ||
                    (v.source != Source::path && p > 0 && (s[p - 1] == '/' || s[p - 1] == '\\') && p <= lead + 12 &&
                     s.find(' ', lead) > p);
    if (ok) where = p;
    return ok;
  });
  if (where != std::string_view::npos) {
    // In a path, .env / .git etc. must be a segment; an ordinary word must not match.
    hit = Hit{where, std::min<std::size_t>(64, s.size() - where), "sensitive file"};
    return true;
  }
  return false;
}

}  // namespace defender::cnaf::waf

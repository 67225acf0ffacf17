// Local file inclusion / path traversal: "../" climbs (after every decoding, with '\' and
// ';' as separators, and the "....//" filter-evasion form), and sensitive files named at the
// start of a value or after a climb. A single relative "../" in an ordinary value is allowed.
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

}  // namespace

bool detect_lfi(const Inspected& v, Scratch&, Hit& hit) {
  const std::string_view s = v.lower;
  if (s.size() < 3 || !v.has(kDot | kSlash | kBackslash | kColon)) return false;
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
    if (s[j] == '/' || s[j] == '\\' || s[j] == ';' || (s[j] == '%' && j + 2 < s.size())) {
      if (first == std::string_view::npos) first = i;
      ++climbs;
    }
    i = j - 1;
  }
  std::size_t lead = 0;
  while (lead < s.size() && (s[lead] == ' ' || s[lead] == '\t')) ++lead;
  const bool from_start = first != std::string_view::npos && first <= lead + 2;
  if (climbs >= 3 || (climbs >= 2 && (from_start || v.source == Source::path))) {
    hit = Hit{first, std::min<std::size_t>(64, s.size() - first), "path traversal"};
    return true;
  }
  // Sensitive files: at the start of the value, after a climb, or anywhere in the path.
  std::size_t where = std::string_view::npos;
  kSensitive.find(s, v.mask, v.bigrams, [&](std::size_t, std::size_t p) {
    const bool ok = climbs > 0 || p <= lead + 4 ||
                    (p > 0 && (s[p - 1] == '/' || s[p - 1] == '\\') && p <= lead + 12 &&
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

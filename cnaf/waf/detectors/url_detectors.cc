// URL-valued parameters: remote file inclusion (a script fetched from elsewhere: an address
// literal, a trailing '?' that cuts the including code's suffix, include-capable schemes) and
// server-side request forgery (cloud metadata, loopback and private addresses in any of
// their spellings, schemes that talk to internal services).
#include <array>
#include <cstdlib>

#include "cnaf/waf/detectors/detectors.h"

namespace defender::cnaf::waf {
namespace {

struct Url {
  std::string_view scheme;
  std::string_view host;  // without port or brackets
  std::string_view port;  // digits after the host's ':', if any
  std::string_view rest;  // from the first '/', '?' or '#' after the host
  bool ok = false;
};

Url parse_url(std::string_view s) {
  Url u;
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  const std::size_t scheme_begin = i;
  while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
                          s[i] == '+' || s[i] == '-' || s[i] == '.'))
    ++i;
  if (s.substr(i, 3) == "://") {
    u.scheme = s.substr(scheme_begin, i - scheme_begin);
    i += 3;
  } else if (s.substr(scheme_begin, 2) == "//" || s.substr(scheme_begin, 2) == "\\\\") {
    i = scheme_begin + 2;
  } else {
    return u;
  }
  std::size_t end = i;
  while (end < s.size() && s[end] != '/' && s[end] != '?' && s[end] != '#' && s[end] != '\\')
    ++end;
  std::string_view auth = s.substr(i, end - i);
  const std::size_t at = auth.rfind('@');
  if (at != std::string_view::npos) auth.remove_prefix(at + 1);
  if (!auth.empty() && auth[0] == '[') {
    const std::size_t close = auth.find(']');
    auth = auth.substr(1, close == std::string_view::npos ? auth.size() - 1 : close - 1);
  } else {
    const std::size_t colon = auth.find(':');
    if (colon != std::string_view::npos) {
      u.port = auth.substr(colon + 1);
      auth = auth.substr(0, colon);
    }
  }
  u.host = auth;
  u.rest = s.substr(end);
  u.ok = true;
  return u;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// One number of an IPv4 literal: decimal, octal (leading 0) or hex (0x), at most `limit`.
bool ip_number(std::string_view p, std::uint64_t limit, std::uint64_t& val) {
  if (p.empty()) return false;
  int base = 10;
  if (p.size() > 2 && p[0] == '0' && (p[1] == 'x')) {
    base = 16;
    p.remove_prefix(2);
  } else if (p.size() > 1 && p[0] == '0') {
    base = 8;
    p.remove_prefix(1);
  }
  val = 0;
  for (const char c : p) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (d < 0 || d >= base) return false;
    val = val * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
    if (val > limit) return false;
  }
  return true;
}

// Parses the ways an IPv4 address can be written (dotted with decimal/octal/hex parts, or
// one number). Returns false when `host` is not such a literal.
bool ipv4_literal(std::string_view host, std::uint32_t& out) {
  if (host.empty() || host.size() > 40) return false;
  std::uint64_t parts[4] = {0, 0, 0, 0};
  std::size_t n = 0;
  std::size_t i = 0;
  while (i <= host.size()) {
    std::size_t j = host.find('.', i);
    if (j == std::string_view::npos) j = host.size();
    if (n == 4 || !ip_number(host.substr(i, j - i), 0xFFFFFFFFull, parts[n])) return false;
    ++n;
    i = j + 1;
    if (j == host.size()) break;
  }
  std::uint64_t ip = 0;
  if (n == 1) ip = parts[0];
  else if (n == 2) ip = (parts[0] << 24) | parts[1];
  else if (n == 3) ip = (parts[0] << 24) | (parts[1] << 16) | parts[2];
  else ip = (parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3];
  if (ip > 0xFFFFFFFFull) return false;
  out = static_cast<std::uint32_t>(ip);
  return true;
}

// A host that is one number past 32 bits (7147006462, 0x1a9fea9fe): no name is all digits,
// and resolvers that keep the low 32 bits (inet_aton on some libcs, old URL parsers) reach
// the address they spell (169.254.169.254), which a WAF reading 32 bits misses. `out`: those
// bits. Up to 40 bits.
bool wrapping_ipv4(std::string_view host, std::uint32_t& out) {
  std::uint64_t val = 0;
  if (host.find('.') != std::string_view::npos || !ip_number(host, 0xFFFFFFFFFFull, val) || val <= 0xFFFFFFFFull)
    return false;
  out = static_cast<std::uint32_t>(val);
  return true;
}

bool internal_v4(std::uint32_t ip) {
  const std::uint32_t a = ip >> 24;
  const std::uint32_t b = (ip >> 16) & 0xFF;
  return a == 127 || a == 10 || a == 0 || (a == 172 && b >= 16 && b <= 31) ||
         (a == 192 && b == 168) || (a == 169 && b == 254) || (a == 100 && b >= 64 && b <= 127);
}

// An IPv6 literal (brackets removed) that reaches the host itself or its network: loopback,
// unspecified, link-local (fe80::/10), unique local (fc00::/7, fd00:ec2::254), and IPv4 mapped
// or embedded in it (::ffff:169.254.169.254, 0:0:0:0:0:ffff:a9fe:a9fe, 64:ff9b::7f00:1) when
// that address is internal.
bool internal_v6(std::string_view host) {
  std::array<std::uint32_t, 8> g{};
  std::size_t count = 0, gap = std::string_view::npos;  // gap: where "::" stands, in groups
  std::size_t i = 0;
  if (host.starts_with("::")) {
    gap = 0;
    i = 2;
  }
  while (i < host.size()) {
    std::size_t j = host.find(':', i);
    if (j == std::string_view::npos) j = host.size();
    const std::string_view part = host.substr(i, j - i);
    std::uint32_t v4 = 0;
    if (part.find('.') != std::string_view::npos) {  // a dotted IPv4 address ends it
      if (j != host.size() || count > 6 || !ipv4_literal(part, v4)) return false;
      g[count++] = v4 >> 16;
      g[count++] = v4 & 0xFFFF;
      break;
    }
    if (part.empty() || part.size() > 4 || count == 8) return false;
    std::uint32_t v = 0;
    for (const char c : part) {
      const int d = hex_value(c);
      if (d < 0) return false;
      v = v * 16 + static_cast<std::uint32_t>(d);
    }
    g[count++] = v;
    i = j + 1;
    if (j + 1 < host.size() && host[j + 1] == ':') {
      if (gap != std::string_view::npos) return false;
      gap = count;
      i = j + 2;
    }
  }
  if (gap != std::string_view::npos) {  // zeros where "::" stands
    const std::size_t fill = 8 - count;
    for (std::size_t k = count; k-- > gap;) g[k + fill] = g[k];
    for (std::size_t k = gap; k < gap + fill; ++k) g[k] = 0;
  } else if (count != 8) {
    return false;
  }
  if ((g[0] & 0xFFC0) == 0xFE80 || (g[0] & 0xFE00) == 0xFC00) return true;
  const bool zeros = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0;
  const bool nat64 = g[0] == 0x64 && g[1] == 0xFF9B && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0;
  if ((zeros && (g[5] == 0 || g[5] == 0xFFFF)) || nat64) return internal_v4((g[6] << 16) | g[7]);
  return false;
}

bool url_start(const Inspected& v) {
  return v.has(kColon | kSlash | kBackslash);
}

// Parameter names that include code or read files in the applications RFI targets
// (path, include, dir, root, conf, template, module, lib, ...): a URL there is fetched and
// run, not linked to. Matched on the words of the name ("_CONF[path]", "mosConfig_x");
// a name that also says where to go next ("return_path", "redirect_dir") is a redirect.
bool include_name(std::string_view name) {
  static constexpr std::string_view kInclude[] = {
      "path", "include", "inc", "dir", "root", "conf", "config", "mosconfig", "template", "tpl",
      "module", "lib", "require", "basedir", "docroot", "rootdir", "appserv"};
  static constexpr std::string_view kRedirect[] = {
      "return", "redirect", "redir", "callback", "next", "success", "cancel", "back", "continue",
      "goto", "target", "dest", "destination", "login", "logout", "url", "uri", "link", "href",
      "image", "img", "avatar", "icon", "logo", "photo", "thumb"};
  bool include = false;
  std::size_t i = 0;
  while (i < name.size()) {
    while (i < name.size() && !((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z'))) ++i;
    std::size_t j = i;
    while (j < name.size() && ((name[j] >= 'a' && name[j] <= 'z') || (name[j] >= 'A' && name[j] <= 'Z'))) ++j;
    char buf[16];
    const std::size_t n = j - i;
    if (n > 0 && n <= sizeof buf) {
      for (std::size_t k = 0; k < n; ++k) buf[k] = static_cast<char>(name[i + k] | 0x20);
      const std::string_view w(buf, n);
      for (const auto k : kRedirect)
        if (w == k) return false;
      for (const auto k : kInclude) include |= w == k;
    }
    i = j;
  }
  return include;
}

// Scheme prefixes that wrap another URL or open local files in Java and Python URL
// handlers: jar:http://x/a.zip!/b, url:file:///etc/passwd, local_file://, netdoc:/.
bool wrapper_scheme(std::string_view lower) {
  static constexpr std::string_view kWrappers[] = {"jar:", "url:", "local_file:", "netdoc:", "wrap:"};
  for (const auto w : kWrappers) {
    if (!lower.starts_with(w)) continue;
    const std::string_view rest = lower.substr(w.size());
    if (w == "local_file:" || w == "netdoc:") return true;
    std::size_t k = 0;
    while (k < rest.size() && rest[k] >= 'a' && rest[k] <= 'z') ++k;
    return k >= 3 && rest.substr(k, 1) == ":";
  }
  return false;
}

// "http://example.com/@evil.com/", "http://a.com/:x@evil.com/": a second authority right
// after the host, which a parser that does not stop at '/' (or an encoded %2f) takes for
// the real one.
bool second_authority(std::string_view rest) {
  if (rest.size() < 5 || rest[0] != '/') return false;
  const std::size_t end = std::min(rest.find_first_of("/?#", 1), rest.size());
  const std::string_view seg = rest.substr(1, end - 1);
  const std::size_t at = seg.rfind('@');
  if (at == std::string_view::npos || (at != 0 && seg[0] != ':')) return false;
  const std::string_view host = seg.substr(at + 1);
  const std::size_t dot = host.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || host.size() - dot < 3) return false;
  for (std::size_t k = dot + 1; k < host.size(); ++k)
    if (host[k] < 'a' || host[k] > 'z') return false;
  return true;
}

}  // namespace

bool detect_rfi(const Inspected& v, Scratch&, Hit& hit) {
  if (!url_start(v) || v.lower.size() < 8) return false;
  const std::string_view s = v.lower;
  if (wrapper_scheme(s)) {
    hit = Hit{0, std::min<std::size_t>(64, s.size()), "remote file inclusion through a wrapper scheme"};
    return true;
  }
  const Url u = parse_url(v.lower);
  if (!u.ok) return false;
  const bool fetch_scheme = u.scheme == "http" || u.scheme == "https" || u.scheme == "ftp" ||
                            u.scheme == "ftps" || u.scheme.empty();
  const bool include_scheme = u.scheme == "php" || u.scheme == "data" ||
                              u.scheme == "expect" || u.scheme == "zlib" || u.scheme == "phar" ||
                              u.scheme == "compress.zlib" || u.scheme == "ssh2.exec" ||
                              u.scheme == "glob" || u.scheme == "ogg" || u.scheme == "rar" ||
                              u.scheme == "zip" || u.scheme == "compress.bzip2" ||
                              u.scheme.starts_with("ssh2.");
  std::uint32_t ip = 0;
  const bool ip_host = (ipv4_literal(u.host, ip) && u.host.find('.') != std::string_view::npos) ||
                       u.host.find(':') != std::string_view::npos;  // IPv6 literal
  const bool trailing_q = !u.rest.empty() && (u.rest.back() == '?' || u.rest.back() == '%' ||
                                              u.rest.find("?&") != std::string_view::npos);
  const bool script = u.rest.find(".php") != std::string_view::npos ||
                      u.rest.find(".txt?") != std::string_view::npos ||
                      u.rest.find(".jsp") != std::string_view::npos ||
                      u.rest.find(".asp") != std::string_view::npos ||
                      u.rest.find(".sh") != std::string_view::npos ||
                      u.rest.find(".pl") != std::string_view::npos;
  if (include_scheme || (u.scheme.starts_with("ftp") && ip_host) ||
      (fetch_scheme && (trailing_q || (ip_host && !u.rest.empty() && u.rest != "/") ||
                                          (script && u.rest.find('?') != std::string_view::npos &&
                                           trailing_q)))) {
    hit = Hit{0, std::min<std::size_t>(64, s.size()), "remote file inclusion"};
    return true;
  }
  if (fetch_scheme && !u.scheme.empty() && second_authority(u.rest)) {
    hit = Hit{0, std::min<std::size_t>(64, s.size()), "URL with a second authority (parser confusion)"};
    return true;
  }
  if ((u.scheme.starts_with("http") || u.scheme.starts_with("ftp")) && include_name(v.name)) {
    hit = Hit{0, std::min<std::size_t>(64, s.size()), "remote URL in an include parameter"};
    return true;
  }
  return false;
}

bool detect_ssrf(const Inspected& v, Scratch&, Hit& hit) {
  if (!url_start(v) || v.lower.size() < 6) return false;
  // Apache mod_proxy "unix:socket|http://target" (CVE-2021-40438).
  if (v.lower.starts_with("unix:") && v.lower.find('|') != std::string_view::npos) {
    hit = Hit{0, std::min<std::size_t>(64, v.lower.size()), "proxy to a unix socket"};
    return true;
  }
  const Url u = parse_url(v.lower);
  if (!u.ok) return false;
  const std::string_view h = u.host;
  bool bad = u.scheme == "gopher" || u.scheme == "dict" || u.scheme == "ldap" ||
             u.scheme == "tftp" || u.scheme == "jar" || u.scheme == "netdoc" ||
             u.scheme == "sftp" || u.scheme == "file";
  // (IPv6 literals are internal_v6's: ::1, ::, fd00:ec2::254 ...)
  static constexpr std::string_view kHosts[] = {
      "localhost", "metadata.google.internal", "metadata", "169.254.169.254", "instance-data",
      "metadata.azure.com", "100.100.100.200", "localtest.me", "kubernetes.default",
      "kubernetes.default.svc"};
  for (const auto k : kHosts) bad |= h == k;
  if (h.size() > 10 && h.substr(h.size() - 10) == ".localhost") bad = true;
  if (h.size() > 9 && h.substr(h.size() - 9) == ".internal") bad = true;
  std::uint32_t ip = 0;
  if (!bad && (ipv4_literal(h, ip) || wrapping_ipv4(h, ip))) bad = internal_v4(ip);
  if (!bad && h.size() > 7 && h.substr(0, 7) == "::ffff:") bad = true;
  if (!bad && h.find(':') != std::string_view::npos) bad = internal_v6(h);
  if (bad) {
    hit = Hit{0, std::min<std::size_t>(64, v.lower.size()), "request to an internal address"};
    return true;
  }
  // A web URL to another port: port scanning and internal services (redis, smtp ...) through
  // the server. Only when the whole value is the URL.
  if ((u.scheme == "http" || u.scheme == "https") && all_digits(u.port) && u.port != "80" &&
      u.port != "443" && u.port != "8080" && u.port != "8443" && v.lower.find(' ') == std::string_view::npos) {
    hit = Hit{0, std::min<std::size_t>(64, v.lower.size()), "request to a non-web port"};
    return true;
  }
  return false;
}

}  // namespace defender::cnaf::waf

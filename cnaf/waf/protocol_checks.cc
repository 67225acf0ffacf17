#include "cnaf/waf/protocol_checks.h"

#include <array>

#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool fail(ProtocolIssue& issue, std::string_view where, std::string_view snippet,
          std::string_view message) {
  issue.where = std::string(where);
  issue.snippet = std::string(snippet.substr(0, 128));
  issue.message = std::string(message);
  return true;
}

// A query argument that frameworks read as the request's real method (_method=DELETE,
// X-HTTP-Method-Override=PUT) naming another method than the request's: a link or a GET
// then acts as that method, past the method rules. The value must be method-shaped
// (3 to 10 letters, %-escapes decoded).
bool method_override_in_query(std::string_view target, std::string_view method) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return false;
  static constexpr std::array<std::string_view, 5> kNames = {
      "_method", "x-http-method-override", "x-http-method", "x-method-override", "_httpmethod"};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view arg = rest.substr(0, amp);
    const std::size_t eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    bool named = false;
    for (const auto n : kNames) named |= iequals(name, n);
    if (named && eq != std::string_view::npos) {
      char value[10];
      std::size_t len = 0;
      bool letters = true;
      const std::string_view raw = arg.substr(eq + 1);
      for (std::size_t k = 0; k < raw.size() && letters; ++k) {
        char c = raw[k];
        if (c == '%' && k + 2 < raw.size() && hex_value(raw[k + 1]) >= 0 && hex_value(raw[k + 2]) >= 0) {
          c = static_cast<char>(hex_value(raw[k + 1]) * 16 + hex_value(raw[k + 2]));
          k += 2;
        }
        letters = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) && len < 10;
        if (letters) value[len++] = c;
      }
      if (letters && len >= 3 && !iequals(std::string_view(value, len), method)) return true;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return false;
}

}  // namespace

bool check_request_line_and_headers(const RequestView& r, const std::vector<std::string>& allowed_methods,
                                    ProtocolIssue& issue) {
  bool known = false;
  for (const auto& m : allowed_methods) known |= r.method == m;
  // The message names the fix: an app with a REST API lists PUT, PATCH, DELETE there.
  if (!known) return fail(issue, "method", r.method, "protocol: method not allowed (not in cnaf.allowed_methods)");
  if (r.http_version != "HTTP/1.1" && r.http_version != "HTTP/1.0" &&
      r.http_version != "HTTP/2" && r.http_version != "HTTP/2.0" && r.http_version != "HTTP/3")
    return fail(issue, "version", r.http_version, "protocol: unsupported HTTP version");
  if (r.target.empty() || (r.target[0] != '/' && r.target != "*" &&
                           !r.target.starts_with("http://") && !r.target.starts_with("https://")))
    return fail(issue, "target", r.target, "protocol: malformed request target");
  if (r.target == "*" && r.method != "OPTIONS")
    return fail(issue, "target", r.target, "protocol: '*' target outside OPTIONS");
  for (const char c : r.target) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u == 0x7F)
      return fail(issue, "target", r.target, "protocol: control character in the request target");
  }
  if (r.target.find("%00") != std::string_view::npos)
    return fail(issue, "target", r.target, "protocol: NUL byte in the request target");
  if (method_override_in_query(r.target, r.method))
    return fail(issue, "target", r.target, "protocol: method override in the query string");
  static constexpr std::array<std::string_view, 12> kRestricted = {
      "proxy",  // httpoxy: CGI turns it into HTTP_PROXY
      "lock-token", "content-range", "if", "x-http-method-override", "x-method-override",
      "x-http-method", "x-middleware-subrequest", "content-encoding", "request-range",
      "x-original-url", "x-rewrite-url"};
  int content_length_count = 0;
  std::string_view content_length;
  bool chunked = false, transfer_encoding = false, host = false;
  for (const auto& h : r.headers) {
    if (h.name.empty())
      return fail(issue, "header", h.value, "protocol: empty header name");
    for (const char c : h.name) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7F || c == ':' || c == '(' || c == ')' || c == '"')
        return fail(issue, h.name, h.name, "protocol: invalid header name");
    }
    for (const char c : h.value) {
      const auto u = static_cast<unsigned char>(c);
      if (u == '\r' || u == '\n' || u == 0)
        return fail(issue, h.name, h.value, "protocol: control character in a header value");
    }
    for (const auto restricted : kRestricted)
      if (iequals(h.name, restricted)) return fail(issue, h.name, h.value, "protocol: restricted request header");
    if (h.value.find("%00") != std::string_view::npos)
      return fail(issue, h.name, h.value, "protocol: encoded NUL in a header value");
    if (h.value.find("%0d") != std::string_view::npos || h.value.find("%0D") != std::string_view::npos ||
        h.value.find("%0a") != std::string_view::npos || h.value.find("%0A") != std::string_view::npos) {
      if (!iequals(h.name, "referer") && !iequals(h.name, "cookie"))
        return fail(issue, h.name, h.value, "protocol: encoded CR/LF in a header value (response splitting)");
    }
    if (iequals(h.name, "range")) {
      if (!h.value.starts_with("bytes=")) return fail(issue, h.name, h.value, "protocol: malformed Range");
      std::size_t ranges = 1;
      for (const char c : h.value) ranges += c == ',';
      if (ranges > 5) return fail(issue, h.name, h.value, "protocol: too many ranges");
    }
    if (iequals(h.name, "content-type")) {
      // type "/" subtype, each a token; parameters after ';'.
      const std::string_view mt = h.value.substr(0, h.value.find(';'));
      std::size_t k = 0;
      while (k < mt.size() && mt[k] == ' ') ++k;
      std::size_t slash = 0, tok = 0;
      bool ok = true;
      for (; k < mt.size(); ++k) {
        const char c = mt[k];
        if (c == '/') {
          ok &= tok > 0 && slash == 0;
          ++slash;
          tok = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '+' || c == '.' || c == '_' || c == '*') {
          ++tok;
        } else if (c == ' ' || c == '\t') {
          ok &= k + 1 == mt.size() || mt.find_first_not_of(" \t", k) == std::string_view::npos;
          break;
        } else {
          ok = false;
          break;
        }
      }
      if (!ok || slash != 1 || tok == 0)
        return fail(issue, h.name, h.value, "protocol: malformed Content-Type");
      // A boundary belongs to multipart types only; anything else is parser confusion.
      std::string lower;
      to_lower(h.value, lower);
      if (lower.find("boundary") != std::string::npos && !lower.starts_with("multipart/"))
        return fail(issue, h.name, h.value, "protocol: boundary on a non-multipart Content-Type");
    }
    if (iequals(h.name, "content-length")) {
      if (content_length_count > 0 && h.value != content_length)
        return fail(issue, h.name, h.value, "protocol: conflicting Content-Length headers");
      ++content_length_count;
      content_length = h.value;
      if (h.value.empty() || h.value.size() > 18)
        return fail(issue, h.name, h.value, "protocol: invalid Content-Length");
      for (const char c : h.value)
        if (c < '0' || c > '9') return fail(issue, h.name, h.value, "protocol: invalid Content-Length");
    } else if (iequals(h.name, "transfer-encoding")) {
      transfer_encoding = true;
      std::string lower;
      to_lower(h.value, lower);
      if (lower != "chunked")
        return fail(issue, h.name, h.value, "protocol: unsupported Transfer-Encoding");
      chunked = true;
    } else if (iequals(h.name, "host") || h.name == ":authority") {
      if (host) return fail(issue, h.name, h.value, "protocol: several Host headers");
      host = true;
      if (h.value.empty()) return fail(issue, h.name, h.value, "protocol: empty Host header");
    }
  }
  if (content_length_count > 0 && transfer_encoding)
    return fail(issue, "transfer-encoding", "Content-Length and Transfer-Encoding",
                "protocol: both Content-Length and Transfer-Encoding (request smuggling)");
  if (!host && r.http_version == "HTTP/1.1")
    return fail(issue, "host", "", "protocol: HTTP/1.1 request without Host");
  // A body without Content-Type is valid HTTP (RFC 9110 8.3: octet-stream may be assumed);
  // its content is still inspected, so it is not refused for that alone.
  if ((r.method == "GET" || r.method == "HEAD") && !r.body.empty())
    return fail(issue, "content-length", content_length, "protocol: GET or HEAD with a body");
  (void)chunked;
  return false;
}

bool truncated_line_breaks(std::string_view text, std::string& out) {
  out.clear();
  bool found = false;
  const auto cont = [&](std::size_t k) {
    return k < text.size() && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    // The length of a well-formed sequence (2 to 4 bytes) and its last byte's low 6 bits plus
    // the bits of the byte before: the code point's low byte.
    const std::size_t len = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
    bool whole = len > 0;
    for (std::size_t k = 1; k < len && whole; ++k) whole = cont(i + k);
    if (whole) {
      const auto last = static_cast<unsigned char>(text[i + len - 1]);
      const auto before = static_cast<unsigned char>(text[i + len - 2]);
      const unsigned low = ((before & 0x03u) << 6) | (last & 0x3Fu);
      if (low == '\n' || low == '\r') {
        out.push_back('\n');
        i += len - 1;
        found = true;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return found;
}

bool header_injection(std::string_view text, ProtocolIssue& issue) {
  // A request line anywhere in the value (no CR/LF needed by some back ends):
  // "GET http://x HTTP/1.1", "barGET /a.html HTTP/1.1".
  for (std::size_t p = text.find(" HTTP/"); p != std::string_view::npos; p = text.find(" HTTP/", p + 6)) {
    if (p + 7 >= text.size() || !(text[p + 6] >= '0' && text[p + 6] <= '9')) continue;
    std::size_t t = p;
    while (t > 0 && text[t - 1] != ' ') --t;  // the target
    if (t < 2 || t == p) continue;
    std::size_t m = t - 1;
    std::size_t mb = m;
    while (mb > 0 && text[mb - 1] >= 'A' && text[mb - 1] <= 'Z') --mb;
    const std::string_view method = text.substr(mb, m - mb);
    static constexpr std::array<std::string_view, 9> kMethods = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"};
    for (const auto km : kMethods)
      if (method.ends_with(km))
        return fail(issue, "value", text.substr(mb, 64), "protocol: HTTP request line inside a value (smuggling)");
  }
  static constexpr std::array<std::string_view, 22> kHeaders = {
      "set-cookie", "location", "content-length", "content-type", "refresh",
      "transfer-encoding", "x-xss-protection", "access-control-allow-origin",
      "access-control-allow-credentials", "content-disposition", "link", "host", "cookie",
      "connection", "content-security-policy", "x-forwarded-for", "x-forwarded-host",
      "cache-control", "last-modified", "expires", "x-frame-options", "status"};
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n' && text[i] != '\r') continue;
    std::size_t j = i + 1;
    while (j < text.size() && (text[j] == '\n' || text[j] == '\r')) ++j;
    std::size_t k = j;
    while (k < text.size() && k < j + 40 && text[k] != ':' && text[k] != ' ' && text[k] != '\n') ++k;
    const std::string_view name = text.substr(j, k - j);
    std::size_t after = k;
    while (after < text.size() && text[after] == ' ') ++after;
    if (after < text.size() && text[after] == ':') {
      for (const auto h : kHeaders) {
        if (iequals(name, h))
          return fail(issue, "value", text.substr(i, 64), "protocol: header injection (CRLF)");
      }
    }
    {
      // Mail protocol commands (SMTP / IMAP injection): upper case, at a line start.
      const std::string_view line = text.substr(j, 48);
      static constexpr std::array<std::string_view, 8> kSmtp = {
          "RCPT TO:", "MAIL FROM:", "QUIT", "DATA\r", "DATA\n", "HELO ", "EHLO ", "AUTH LOGIN"};
      for (const auto m : kSmtp)
        if (line.starts_with(m))
          return fail(issue, "value", text.substr(i, 64), "protocol: mail command injection (CRLF)");
      const std::size_t sp = line.find(' ');
      if (sp != std::string_view::npos && sp > 0 && sp < 8) {
        static constexpr std::array<std::string_view, 8> kImap = {
            "CAPABILITY", "FETCH ", "LOGIN ", "SELECT ", "LOGOUT", "STORE ", "LIST ", "EXAMINE "};
        for (const auto m : kImap)
          if (line.substr(sp + 1).starts_with(m))
            return fail(issue, "value", text.substr(i, 64), "protocol: mail command injection (CRLF)");
      }
    }
    if (name.size() >= 3) {
      const std::string_view line = text.substr(j, 64);
      const bool request_line =
          (iequals(name, "get") || iequals(name, "post") || iequals(name, "head") ||
           iequals(name, "put")) && line.find(" HTTP/1.") != std::string_view::npos;
      const bool status_line = name.size() >= 8 && iequals(name.substr(0, 7), "http/1.") &&
                               line.find(' ') != std::string_view::npos;
      if (request_line || status_line)
        return fail(issue, "value", text.substr(i, 64),
                    "protocol: HTTP message inside a value (splitting or smuggling)");
    }
    i = j - 1;
  }
  return false;
}

}  // namespace defender::cnaf::waf

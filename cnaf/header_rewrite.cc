#include "cnaf/header_rewrite.h"

#include <charconv>

#include "cnaf/error.h"

namespace defender::cnaf {
namespace {

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// Headers we set ourselves: whatever the client sent under these names is replaced.
bool is_rewritten_request_header(std::string_view name) noexcept {
  return iequals(name, "x-forwarded-for") || iequals(name, "x-forwarded-proto") ||
         iequals(name, "x-forwarded-host") || iequals(name, "x-request-id") ||
         iequals(name, "content-length") || iequals(name, "expect") ||
         iequals(name, "forwarded");
}

// True when a Connection header of `head` names `name` (those are hop-by-hop too).
bool named_by_connection(const RequestHead& head, std::string_view name) {
  for (std::size_t i = 0; i < head.header_count(); ++i) {
    if (iequals(head.name(i), "connection") && has_token(head.value(i), name)) return true;
  }
  return false;
}

bool has_connection_header(const RequestHead& head) {
  for (std::size_t i = 0; i < head.header_count(); ++i) {
    if (iequals(head.name(i), "connection")) return true;
  }
  return false;
}

void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

}  // namespace

bool is_hop_by_hop(std::string_view name) noexcept {
  switch (name.size()) {
    case 2: return iequals(name, "te");
    case 7: return iequals(name, "upgrade") || iequals(name, "trailer");
    case 10: return iequals(name, "connection") || iequals(name, "keep-alive");
    case 14: return iequals(name, "http2-settings");
    case 16: return iequals(name, "proxy-connection");
    case 17: return iequals(name, "transfer-encoding");
    case 19: return iequals(name, "proxy-authorization");
    default: return false;
  }
}

void build_upstream_request(const RequestHead& head, const ForwardInfo& info, std::string& out) {
  out.append(head.method());
  out.push_back(' ');
  out.append(head.target());
  out.append(" HTTP/1.1\r\n");

  const bool check_connection = has_connection_header(head);
  std::string_view host;
  std::string_view xff;
  bool cookie_started = false;
  for (std::size_t i = 0; i < head.header_count(); ++i) {
    const std::string_view name = head.name(i);
    const std::string_view value = head.value(i);
    if (is_hop_by_hop(name) || is_rewritten_request_header(name)) {
      if (iequals(name, "x-forwarded-for") && xff.empty()) xff = value;
      continue;
    }
    if (check_connection && named_by_connection(head, name)) continue;
    if (host.empty() && iequals(name, "host")) host = value;
    if (head.major == 2 && iequals(name, "cookie")) continue;  // joined below (RFC 9113 8.2.3)
    append_header(out, name, value);
  }
  if (head.major == 2) {
    for (std::size_t i = 0; i < head.header_count(); ++i) {
      if (!iequals(head.name(i), "cookie")) continue;
      out.append(cookie_started ? "; " : "cookie: ");
      out.append(head.value(i));
      cookie_started = true;
    }
    if (cookie_started) out.append("\r\n");
  }
  if (host.empty()) {
    append_header(out, "Host", info.upstream_authority);
  }
  switch (head.body) {
    case BodyKind::none: break;
    case BodyKind::length:
      out.append("Content-Length: ");
      append_number(out, head.content_length);
      out.append("\r\n");
      break;
    case BodyKind::chunked:
    case BodyKind::stream: out.append("Transfer-Encoding: chunked\r\n"); break;
  }
  if (head.upgrade) {
    if (const auto up = head.find("upgrade")) append_header(out, "Upgrade", *up);
    out.append("Connection: upgrade\r\n");
  }
  out.append("X-Forwarded-For: ");
  if (!xff.empty()) {
    out.append(xff);
    out.append(", ");
  }
  out.append(info.client_ip);
  out.append("\r\n");
  out.append(info.tls ? "X-Forwarded-Proto: https\r\n" : "X-Forwarded-Proto: http\r\n");
  if (!host.empty()) append_header(out, "X-Forwarded-Host", host);
  append_header(out, "X-Request-Id", info.request_id);
  out.append("\r\n");
}

ResponseFraming build_downstream_response(const ResponseHead& head, const ResponseContext& ctx,
                                          std::string& out) {
  ResponseFraming framing;
  const RequestHead& f = head.fields;
  switch (head.body) {
    case ResponseBody::none: framing.framing = DownstreamFraming::none; break;
    case ResponseBody::length: framing.framing = DownstreamFraming::length; break;
    case ResponseBody::chunked:
    case ResponseBody::until_eof:
      framing.framing = ctx.client_minor >= 1 ? DownstreamFraming::chunked : DownstreamFraming::until_close;
      break;
  }
  framing.keep_alive = ctx.client_keep_alive && !ctx.force_close &&
                       framing.framing != DownstreamFraming::until_close && head.status != 101;

  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::uint64_t>(head.status));
  out.push_back(' ');
  out.append(head.reason().empty() ? status_text(head.status) : head.reason());
  out.append("\r\n");

  const bool check_connection = has_connection_header(f);
  for (std::size_t i = 0; i < f.header_count(); ++i) {
    const std::string_view name = f.name(i);
    if (is_hop_by_hop(name) || iequals(name, "x-request-id")) continue;
    if (check_connection && named_by_connection(f, name)) continue;
    // A chunked response re-framed for the client never carries the app's Content-Length.
    if (head.body == ResponseBody::chunked && iequals(name, "content-length")) continue;
    append_header(out, name, f.value(i));
  }
  if (head.status == 101) {
    if (const auto up = f.find("upgrade")) append_header(out, "Upgrade", *up);
    out.append("Connection: upgrade\r\n");
  } else if (!framing.keep_alive) {
    out.append("Connection: close\r\n");
  } else if (ctx.client_minor == 0) {
    out.append("Connection: keep-alive\r\n");
  }
  if (framing.framing == DownstreamFraming::chunked) out.append("Transfer-Encoding: chunked\r\n");
  append_header(out, "X-Request-Id", ctx.request_id);
  out.append("\r\n");
  return framing;
}

std::string_view continue_response() noexcept { return "HTTP/1.1 100 Continue\r\n\r\n"; }

std::size_t format_chunk_header(std::uint64_t size, char* out) noexcept {
  const auto r = std::to_chars(out, out + 16, size, 16);
  char* p = r.ptr;
  *p++ = '\r';
  *p++ = '\n';
  return static_cast<std::size_t>(p - out);
}

bool is_acceptable_request_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace defender::cnaf

// Header rewriting between the client and the app, as pure functions over parsed heads:
// hop-by-hop headers (and those named by Connection) removed, X-Forwarded-For/-Proto/-Host
// and X-Request-Id set, body framing re-declared. No sockets; appends to caller buffers that
// are reused across requests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cnaf/http1_response_parser.h"
#include "cnaf/request_head.h"

namespace defender::cnaf {

struct ForwardInfo {
  std::string_view client_ip;
  std::string_view request_id;
  std::string_view upstream_authority;  // Host when the client sent none (HTTP/1.0)
  bool tls = false;
};

// True for a header a proxy must not forward (RFC 9110 7.6.1), compared case-insensitively.
bool is_hop_by_hop(std::string_view name) noexcept;

// The request head sent to the app (HTTP/1.1). Bodies of kind `chunked` and `stream` are sent
// chunked; `length` keeps Content-Length. An upgrade request keeps Connection/Upgrade.
void build_upstream_request(const RequestHead& head, const ForwardInfo& info, std::string& out);

// How the body goes to the client.
enum class DownstreamFraming : std::uint8_t { none, length, chunked, until_close };

struct ResponseContext {
  std::string_view request_id;
  int client_minor = 1;          // 0: HTTP/1.0 client
  bool client_keep_alive = true; // the client allows another request on this connection
  bool force_close = false;      // draining, or the request body was not read to its end
};

struct ResponseFraming {
  DownstreamFraming framing = DownstreamFraming::none;
  bool keep_alive = true;  // the connection stays open after this response
};

// The response head sent to the client; says how to frame the body and whether to keep the
// connection.
ResponseFraming build_downstream_response(const ResponseHead& head, const ResponseContext& ctx,
                                          std::string& out);

// "HTTP/1.1 100 Continue\r\n\r\n"
std::string_view continue_response() noexcept;

// A chunk header for `size` bytes ("1f4\r\n"), written into `out` (at least 18 bytes).
std::size_t format_chunk_header(std::uint64_t size, char* out) noexcept;

// A request id as received is kept when it is 1..128 characters of [A-Za-z0-9._:-].
bool is_acceptable_request_id(std::string_view id) noexcept;

}  // namespace defender::cnaf

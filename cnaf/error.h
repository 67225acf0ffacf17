// One error enum for the whole proxy (nghttpx's lesson): why a request or a connection ended
// early. Each maps to the HTTP status the client gets, to a short reason for logs and events,
// and to whether it is a protocol violation (an `http` event with protection "protocol").
#pragma once

#include <cstdint>
#include <string_view>

namespace defender::cnaf {

enum class ProxyError : std::uint8_t {
  none,
  bad_request,          // malformed request line, target or header (400)
  smuggling,            // ambiguous framing: CL+TE, duplicate/bad CL, bad TE, obs-fold (400)
  bad_chunk,            // bad chunk size or chunk framing (400)
  header_too_large,     // head bytes or header count over the limit (431)
  body_too_large,       // body bytes over the limit (413)
  method_not_allowed,   // CONNECT and friends on a reverse proxy (405)
  header_timeout,       // the head took longer than header_timeout_ms (408)
  upstream_unreachable, // connect refused/failed or connect timeout (502)
  upstream_bad_response,// the app answered something that is not HTTP (502)
  upstream_timeout,     // no (complete) answer within upstream_timeout_ms (504)
  unsupported,          // e.g. a Transfer-Encoding other than chunked (501)
};

int status_of(ProxyError error) noexcept;
std::string_view reason_of(ProxyError error) noexcept;   // "request smuggling: ..." short form
bool is_protocol_violation(ProxyError error) noexcept;   // deserves a protocol event
std::string_view status_text(int status) noexcept;       // "Bad Request"

}  // namespace defender::cnaf

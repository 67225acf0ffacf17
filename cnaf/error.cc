#include "cnaf/error.h"

namespace defender::cnaf {

int status_of(ProxyError error) noexcept {
  switch (error) {
    case ProxyError::none: return 200;
    case ProxyError::bad_request:
    case ProxyError::smuggling:
    case ProxyError::bad_chunk: return 400;
    case ProxyError::header_too_large: return 431;
    case ProxyError::body_too_large: return 413;
    case ProxyError::method_not_allowed: return 405;
    case ProxyError::header_timeout: return 408;
    case ProxyError::upstream_unreachable:
    case ProxyError::upstream_bad_response: return 502;
    case ProxyError::upstream_timeout: return 504;
    case ProxyError::unsupported: return 501;
  }
  return 500;
}

std::string_view reason_of(ProxyError error) noexcept {
  switch (error) {
    case ProxyError::none: return "ok";
    case ProxyError::bad_request: return "malformed request";
    case ProxyError::smuggling: return "ambiguous message framing (request smuggling)";
    case ProxyError::bad_chunk: return "bad chunked encoding";
    case ProxyError::header_too_large: return "request header too large";
    case ProxyError::body_too_large: return "request body too large";
    case ProxyError::method_not_allowed: return "method not allowed";
    case ProxyError::header_timeout: return "request header timeout";
    case ProxyError::upstream_unreachable: return "upstream unreachable";
    case ProxyError::upstream_bad_response: return "bad upstream response";
    case ProxyError::upstream_timeout: return "upstream timeout";
    case ProxyError::unsupported: return "not implemented";
  }
  return "error";
}

bool is_protocol_violation(ProxyError error) noexcept {
  switch (error) {
    case ProxyError::bad_request:
    case ProxyError::smuggling:
    case ProxyError::bad_chunk:
    case ProxyError::header_too_large:
    case ProxyError::body_too_large:
    case ProxyError::method_not_allowed:
    case ProxyError::unsupported: return true;
    default: return false;
  }
}

std::string_view status_text(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

}  // namespace defender::cnaf

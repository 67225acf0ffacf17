// The small responses the proxy writes itself: a blocked request, a protocol error, 502/504.
// A short HTML page naming the status and the request id; pure.
#pragma once

#include <string>
#include <string_view>

namespace defender::cnaf {

// Full HTTP/1.1 response (head and body) appended to `out`.
void build_error_response(int status, std::string_view request_id, bool close, std::string& out);
// Only the HTML body (HTTP/2 sends its own head).
void build_error_body(int status, std::string_view request_id, std::string& out);

}  // namespace defender::cnaf

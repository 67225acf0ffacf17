// The protocol protection's checks on the request line and headers (what the proxy refuses
// or should: unknown methods and versions, smuggling-prone framing, control characters) and
// on values (header injection / response splitting). Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cnaf/inspector.h"

namespace defender::cnaf::waf {

struct ProtocolIssue {
  std::string where;    // "method", "version", "target", a header name
  std::string snippet;
  std::string message;
};

// True (and `issue` filled) on the first problem found. A method not in `allowed_methods`
// is one (cnaf.allowed_methods).
bool check_request_line_and_headers(const RequestView& request,
                                    const std::vector<std::string>& allowed_methods,
                                    ProtocolIssue& issue);

// A value that injects response headers or a second request: CR/LF then a known header name
// and ':' (Set-Cookie:, Location: ...) or an HTTP request/status line.
bool header_injection(std::string_view text, ProtocolIssue& issue);

}  // namespace defender::cnaf::waf

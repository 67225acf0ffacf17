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

// Characters whose code point ends in 0x0A or 0x0D (U+010A, U+560D): a back end that writes a
// string into a header as Latin-1, keeping the low byte (old Node.js http), sends CR or LF.
// Copies `text` to `out` with each such UTF-8 character as '\n'; false when there is none.
bool truncated_line_breaks(std::string_view text, std::string& out);

}  // namespace defender::cnaf::waf

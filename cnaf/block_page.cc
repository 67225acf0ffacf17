#include "cnaf/block_page.h"

#include <string>

#include "cnaf/error.h"

namespace defender::cnaf {

void build_error_body(int status, std::string_view request_id, std::string& out) {
  const std::string code = std::to_string(status);
  out.append("<!DOCTYPE html>\n<html><head><title>");
  out.append(code).append(" ").append(status_text(status));
  out.append("</title></head>\n<body><h1>");
  out.append(code).append(" ").append(status_text(status));
  out.append("</h1>\n<p>");
  if (status == 403 || status == 429) {
    out.append("This request was blocked by the application firewall.");
  } else {
    out.append("The request could not be served.");
  }
  out.append("</p>\n<p>Request id: <code>");
  out.append(request_id);  // only [A-Za-z0-9._:-] (is_acceptable_request_id): no escaping needed
  out.append("</code></p></body></html>\n");
}

void build_error_response(int status, std::string_view request_id, bool close, std::string& out) {
  std::string body;
  build_error_body(status, request_id, body);
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ").append(status_text(status));
  out.append("\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ");
  out.append(std::to_string(body.size()));
  out.append("\r\nCache-Control: no-store\r\nX-Request-Id: ").append(request_id);
  out.append(close ? "\r\nConnection: close\r\n\r\n" : "\r\n\r\n");
  out.append(body);
}

}  // namespace defender::cnaf

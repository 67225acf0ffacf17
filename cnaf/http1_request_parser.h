// Http1RequestParser: incremental HTTP/1.x request parsing with the proxy's limits and its
// request-smuggling refusals, without sockets. Feed it bytes; it stops at each point where
// the caller must act (head complete, message complete, upgrade, error) and says how much it
// consumed. Body bytes (chunked framing removed) are appended to the caller's buffer, never
// more than the bytes fed, so the caller bounds memory by bounding what it feeds.
// Owned by one downstream connection; one thread. Pipelined requests are parsed one at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cnaf/error.h"
#include "cnaf/llhttp_parser.h"
#include "cnaf/request_head.h"

namespace defender::cnaf {

struct RequestLimits {
  std::uint64_t max_header_bytes = 16384;
  std::uint32_t max_header_count = 100;
  std::uint64_t max_body_bytes = 10485760;
};

class Http1RequestParser final : private LlhttpHandler {
 public:
  enum class Event : std::uint8_t {
    need_more,         // everything fed was consumed; feed more
    head_complete,     // head() is ready and a body follows (bodiless requests go straight
                       // to message_complete or upgrade)
    message_complete,  // the request ended; the next feed starts the next request
    upgrade,           // the request ended and the connection becomes a tunnel (bytes after
                       // `consumed` belong to the tunnel)
    error,             // error() says what; the connection must answer and close
  };
  struct Result {
    Event event = Event::need_more;
    std::size_t consumed = 0;
  };

  explicit Http1RequestParser(RequestLimits limits = {});
  void set_limits(const RequestLimits& limits) { limits_ = limits; }

  // Parses from `data`; body bytes go to `body_out` (may be null to drop them).
  Result feed(std::string_view data, std::string* body_out);
  // The peer closed the connection: an error unless between requests.
  bool at_message_boundary() const { return !in_message_; }

  const RequestHead& head() const { return head_; }
  RequestHead& head() { return head_; }
  ProxyError error() const { return error_; }
  std::string_view error_detail() const { return error_detail_; }
  // After an error on a request line whose method is a well-formed token llhttp does not know
  // (it parses a fixed list: "FOO /x HTTP/1.1"): that method and the target after it; empty
  // otherwise. Still a method: the inspector may judge it (the WAF refuses methods outside
  // cnaf.allowed_methods).
  std::string_view unknown_method() const { return unknown_method_; }
  std::string_view unknown_target() const { return unknown_target_; }
  std::uint64_t body_bytes() const { return body_bytes_; }
  bool in_body() const { return head_done_ && in_message_ && !message_done_; }

 private:
  int on_message_begin() override;
  int on_method(std::string_view piece) override;
  int on_url(std::string_view piece) override;
  int on_header_field(std::string_view piece) override;
  int on_header_value(std::string_view piece) override;
  int on_header_value_complete() override;
  int on_headers_complete() override;
  int on_body(std::string_view piece) override;
  int on_message_complete() override;

  int fail(ProxyError error, std::string_view detail);
  void classify_llhttp_error();
  void note_unknown_method(std::string_view line);
  int check_head();

  RequestLimits limits_;
  LlhttpParser parser_;
  RequestHead head_;
  std::string* body_out_ = nullptr;
  ProxyError error_ = ProxyError::none;
  std::string_view error_detail_;
  std::string unknown_method_, unknown_target_;
  std::uint64_t head_bytes_ = 0;
  std::uint64_t body_bytes_ = 0;
  bool in_message_ = false;
  bool head_done_ = false;
  bool in_value_ = true;  // the next header field piece starts a new header
  bool paused_ = false;
  bool upgraded_ = false;
  bool message_done_ = false;
  // Line-folding scan of the head bytes (independent of llhttp's callbacks).
  bool after_lf_ = false;   // the last head byte seen was LF
  bool after_cr_ = false;   // the last head byte seen was CR
  bool scan_done_ = false;  // the empty line ending the head was seen
  std::size_t line_len_ = 1;
};

}  // namespace defender::cnaf

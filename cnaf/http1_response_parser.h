// Http1ResponseParser: incremental parsing of the app's HTTP/1.x responses, without sockets.
// Interim 1xx responses (other than 101) are consumed silently. Body bytes (chunked framing
// removed) are appended to the caller's buffer, never more than the bytes fed.
// Owned by one exchange with the app; one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cnaf/llhttp_parser.h"
#include "cnaf/request_head.h"

namespace defender::cnaf {

enum class ResponseBody : std::uint8_t { none, length, chunked, until_eof };

struct ResponseHead {
  int status = 0;
  int minor = 1;
  ResponseBody body = ResponseBody::none;
  std::uint64_t content_length = 0;
  bool keep_alive = true;  // the app lets us reuse the connection
  RequestHead fields;      // headers; the reason phrase is stored as the "target"
  std::string_view reason() const { return fields.target(); }
};

class Http1ResponseParser final : private LlhttpHandler {
 public:
  enum class Event : std::uint8_t { need_more, message_complete, upgrade, error };
  struct Result {
    Event event = Event::need_more;
    std::size_t consumed = 0;
  };

  Http1ResponseParser();
  // Starts a new response; `head_request` says the request was HEAD (no body follows).
  void start(bool head_request);
  Result feed(std::string_view data, std::string* body_out);
  Result finish(std::string* body_out);  // the app closed the connection

  bool head_complete() const { return head_done_; }
  const ResponseHead& head() const { return head_; }
  std::uint64_t body_bytes() const { return body_bytes_; }
  std::string_view error_detail() const { return error_detail_; }

 private:
  int on_message_begin() override;
  int on_status(std::string_view piece) override;
  int on_header_field(std::string_view piece) override;
  int on_header_value(std::string_view piece) override;
  int on_header_value_complete() override;
  int on_headers_complete() override;
  int on_body(std::string_view piece) override;
  int on_message_complete() override;

  LlhttpParser parser_;
  ResponseHead head_;
  std::string* body_out_ = nullptr;
  std::string_view error_detail_;
  std::uint64_t body_bytes_ = 0;
  std::size_t head_bytes_ = 0;
  bool head_request_ = false;
  bool head_done_ = false;
  bool interim_ = false;
  bool in_value_ = true;
  bool done_ = false;
};

}  // namespace defender::cnaf

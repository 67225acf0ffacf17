#include "cnaf/http1_response_parser.h"

namespace defender::cnaf {
namespace {
// A response head larger than this is refused as a bad response (the app's, not the client's).
constexpr std::size_t kMaxResponseHeadBytes = 65536;
constexpr std::size_t kMaxResponseHeaders = 256;
}  // namespace

Http1ResponseParser::Http1ResponseParser() : parser_(LlhttpParser::Type::response, *this) {
  head_.fields.reserve(4096, 64);
}

void Http1ResponseParser::start(bool head_request) {
  parser_.reset();
  head_request_ = head_request;
  head_done_ = interim_ = done_ = false;
  body_bytes_ = 0;
  head_bytes_ = 0;
  head_.fields.clear();
  error_detail_ = {};
}

Http1ResponseParser::Result Http1ResponseParser::feed(std::string_view data, std::string* body_out) {
  Result result;
  body_out_ = body_out;
  std::size_t consumed = 0;
  const LlhttpParser::Status status = parser_.execute(data, consumed);
  result.consumed = consumed;
  switch (status) {
    case LlhttpParser::Status::ok: result.event = Event::need_more; break;
    case LlhttpParser::Status::paused: result.event = Event::message_complete; break;
    case LlhttpParser::Status::paused_upgrade: result.event = Event::upgrade; break;
    case LlhttpParser::Status::error:
      if (error_detail_.empty()) error_detail_ = parser_.error_reason();
      result.event = Event::error;
      break;
  }
  return result;
}

Http1ResponseParser::Result Http1ResponseParser::finish(std::string* body_out) {
  Result result;
  body_out_ = body_out;
  if (done_) {
    result.event = Event::message_complete;
    return result;
  }
  const LlhttpParser::Status status = parser_.finish();
  if (status == LlhttpParser::Status::error || !head_done_ ||
      head_.body != ResponseBody::until_eof) {
    error_detail_ = "the app closed the connection before the response ended";
    result.event = Event::error;
    return result;
  }
  done_ = true;
  result.event = Event::message_complete;
  return result;
}

int Http1ResponseParser::on_message_begin() {
  head_.fields.clear();
  head_done_ = false;
  in_value_ = true;
  head_bytes_ = 0;
  return kLlhttpOk;
}

int Http1ResponseParser::on_status(std::string_view piece) {
  head_bytes_ += piece.size();
  if (head_bytes_ > kMaxResponseHeadBytes) {
    error_detail_ = "response head too large";
    return kLlhttpError;
  }
  head_.fields.append_target(piece);
  return kLlhttpOk;
}

int Http1ResponseParser::on_header_field(std::string_view piece) {
  head_bytes_ += piece.size() + 4;
  if (head_bytes_ > kMaxResponseHeadBytes) {
    error_detail_ = "response head too large";
    return kLlhttpError;
  }
  if (in_value_) {
    if (head_.fields.header_count() >= kMaxResponseHeaders) {
      error_detail_ = "too many response headers";
      return kLlhttpError;
    }
    head_.fields.begin_header();
    in_value_ = false;
  }
  head_.fields.append_name(piece);
  return kLlhttpOk;
}

int Http1ResponseParser::on_header_value(std::string_view piece) {
  head_bytes_ += piece.size();
  if (head_bytes_ > kMaxResponseHeadBytes) {
    error_detail_ = "response head too large";
    return kLlhttpError;
  }
  if (piece.find_first_of("\r\n") != std::string_view::npos) {
    error_detail_ = "obsolete line folding in a response header";
    return kLlhttpError;
  }
  head_.fields.append_value(piece);
  return kLlhttpOk;
}

int Http1ResponseParser::on_header_value_complete() {
  head_.fields.end_header();
  in_value_ = true;
  return kLlhttpOk;
}

int Http1ResponseParser::on_headers_complete() {
  head_.status = parser_.status_code();
  head_.minor = parser_.http_minor();
  head_.keep_alive = parser_.should_keep_alive();
  if (head_.status >= 100 && head_.status < 200 && head_.status != 101) {
    interim_ = true;  // 100/102/103: dropped; the real response follows
    return kLlhttpOk;
  }
  interim_ = false;
  head_done_ = true;
  head_.content_length = 0;
  if (head_request_ || head_.status == 204 || head_.status == 304 || head_.status == 101) {
    head_.body = ResponseBody::none;
    return head_.status == 101 ? kLlhttpOk : kLlhttpSkipBody;
  }
  if (parser_.chunked()) {
    head_.body = ResponseBody::chunked;
  } else if (parser_.has_content_length()) {
    head_.content_length = parser_.content_length();
    head_.body = head_.content_length == 0 ? ResponseBody::none : ResponseBody::length;
  } else {
    head_.body = ResponseBody::until_eof;
    head_.keep_alive = false;
  }
  return kLlhttpOk;
}

int Http1ResponseParser::on_body(std::string_view piece) {
  body_bytes_ += piece.size();
  if (body_out_ != nullptr) body_out_->append(piece);
  return kLlhttpOk;
}

int Http1ResponseParser::on_message_complete() {
  if (interim_) {
    interim_ = false;
    return kLlhttpOk;
  }
  done_ = true;
  if (head_.status == 101) return kLlhttpOk;  // llhttp returns PAUSED_UPGRADE
  return kLlhttpPause;
}

}  // namespace defender::cnaf

#include "cnaf/http1_request_parser.h"

#include <algorithm>

#include "policy/http_token.h"

namespace defender::cnaf {
namespace {

// llhttp error numbers this file distinguishes (llhttp.h HTTP_ERRNO_MAP).
constexpr int kHpeUnexpectedContentLength = 4;
constexpr int kHpeInvalidMethod = 6;
constexpr int kHpeInvalidHeaderToken = 10;
constexpr int kHpeInvalidContentLength = 11;
constexpr int kHpeInvalidChunkSize = 12;
constexpr int kHpeInvalidTransferEncoding = 15;

}  // namespace

Http1RequestParser::Http1RequestParser(RequestLimits limits)
    : limits_(limits), parser_(LlhttpParser::Type::request, *this) {
  head_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(limits_.max_header_bytes, 65536)),
                std::min<std::uint32_t>(limits_.max_header_count, 256));
}

int Http1RequestParser::fail(ProxyError error, std::string_view detail) {
  if (error_ == ProxyError::none) {
    error_ = error;
    error_detail_ = detail;
  }
  return kLlhttpError;
}

Http1RequestParser::Result Http1RequestParser::feed(std::string_view data, std::string* body_out) {
  Result result;
  if (error_ != ProxyError::none) {
    result.event = Event::error;
    return result;
  }
  if (upgraded_) {
    result.event = Event::upgrade;
    return result;
  }
  if (paused_) {
    parser_.resume();
    paused_ = false;
  }
  if (message_done_) {
    message_done_ = false;
    in_message_ = false;
    head_done_ = false;
    head_bytes_ = 0;
    after_lf_ = false;
    scan_done_ = false;
    after_cr_ = false;
    line_len_ = 1;
  }
  body_out_ = body_out;
  const bool fresh = !in_message_;  // `data` starts the next request

  // While in the head, feed at most what keeps the head within its byte limit.
  std::string_view window = data;
  const bool in_head = !head_done_;
  if (in_head) {
    const std::uint64_t room = limits_.max_header_bytes > head_bytes_ ? limits_.max_header_bytes - head_bytes_ : 0;
    if (window.size() > room) window = window.substr(0, static_cast<std::size_t>(room));
  }

  // Obsolete line folding (a header line starting with SP or HTAB) and bare LF line ends are
  // refused here, before llhttp (which would join folded lines and may accept a bare LF).
  if (in_head && !scan_done_) {
    for (const char c : window) {
      if (c == '\n') {
        if (!after_cr_) {
          fail(ProxyError::bad_request, "bare LF in the request head");
          result.event = Event::error;
          return result;
        }
        if (line_len_ == 0) {  // the empty line: the head ends here
          scan_done_ = true;
          break;
        }
        line_len_ = 0;
        after_lf_ = true;
        after_cr_ = false;
        continue;
      }
      if (after_lf_ && (c == ' ' || c == '\t')) {
        fail(ProxyError::smuggling, "obsolete line folding");
        result.event = Event::error;
        return result;
      }
      after_lf_ = false;
      after_cr_ = c == '\r';
      if (c != '\r') ++line_len_;
    }
  }

  std::size_t consumed = 0;
  const LlhttpParser::Status status = parser_.execute(window, consumed);
  result.consumed = consumed;
  if (in_head && !head_done_) head_bytes_ += consumed;

  switch (status) {
    case LlhttpParser::Status::ok:
      // All of the window went into an unfinished head: the head is over its limit.
      if (in_head && !head_done_ && head_bytes_ >= limits_.max_header_bytes) {
        fail(ProxyError::header_too_large, "request head over max_header_bytes");
        result.event = Event::error;
        return result;
      }
      result.event = Event::need_more;
      return result;
    case LlhttpParser::Status::paused:
      paused_ = true;
      if (message_done_) {
        result.event = Event::message_complete;
      } else {
        result.event = Event::head_complete;
      }
      return result;
    case LlhttpParser::Status::paused_upgrade:
      upgraded_ = true;
      in_message_ = false;
      result.event = Event::upgrade;
      return result;
    case LlhttpParser::Status::error:
      classify_llhttp_error();
      if (fresh && parser_.error_number() == kHpeInvalidMethod) note_unknown_method(window);
      result.event = Event::error;
      return result;
  }
  return result;
}

void Http1RequestParser::classify_llhttp_error() {
  if (error_ != ProxyError::none) return;
  switch (parser_.error_number()) {
    case kHpeUnexpectedContentLength:
    case kHpeInvalidContentLength:
    case kHpeInvalidTransferEncoding:
      error_ = ProxyError::smuggling;
      break;
    case kHpeInvalidChunkSize:
      error_ = ProxyError::bad_chunk;
      break;
    case kHpeInvalidMethod:
    case kHpeInvalidHeaderToken:
    default:
      error_ = in_body() && head_.body == BodyKind::chunked ? ProxyError::bad_chunk
                                                             : ProxyError::bad_request;
      break;
  }
  error_detail_ = parser_.error_reason();
}

void Http1RequestParser::note_unknown_method(std::string_view line) {
  // A method is a token (RFC 9110).
  std::size_t i = 0;
  while (i < line.size() && (line[i] == '\r' || line[i] == '\n')) ++i;  // llhttp skips them too
  const std::size_t begin = i;
  while (i < line.size() && i - begin <= 32 && policy::is_tchar(line[i])) ++i;
  if (i == begin || i - begin > 32 || i >= line.size() || line[i] != ' ') return;
  const std::size_t target = i + 1;
  std::size_t end = target;
  while (end < line.size() && end - target < 2048 && line[end] > ' ' && line[end] != 0x7F) ++end;
  unknown_method_.assign(line.substr(begin, i - begin));
  unknown_target_.assign(line.substr(target, end - target));
}

int Http1RequestParser::on_message_begin() {
  head_.clear();
  unknown_method_.clear();
  unknown_target_.clear();
  in_message_ = true;
  head_done_ = false;
  in_value_ = true;
  head_bytes_ = 0;
  body_bytes_ = 0;
  return kLlhttpOk;
}

int Http1RequestParser::on_method(std::string_view piece) {
  head_.append_method(piece);
  return kLlhttpOk;
}

int Http1RequestParser::on_url(std::string_view piece) {
  head_.append_target(piece);
  return kLlhttpOk;
}

int Http1RequestParser::on_header_field(std::string_view piece) {
  if (in_value_) {
    if (head_.header_count() >= limits_.max_header_count) {
      return fail(ProxyError::header_too_large, "more headers than max_header_count");
    }
    head_.begin_header();
    in_value_ = false;
  }
  head_.append_name(piece);
  return kLlhttpOk;
}

int Http1RequestParser::on_header_value(std::string_view piece) {
  // A CR or LF inside a value is obsolete line folding (or worse): refused, never joined.
  if (piece.find_first_of("\r\n") != std::string_view::npos) {
    return fail(ProxyError::smuggling, "obsolete line folding in a header value");
  }
  head_.append_value(piece);
  return kLlhttpOk;
}

int Http1RequestParser::on_header_value_complete() {
  if (in_value_) head_.begin_header();  // a field with an empty value: entry exists already
  head_.end_header();
  in_value_ = true;
  return kLlhttpOk;
}

// The framing rules a proxy must be stricter about than an origin server.
int Http1RequestParser::check_head() {
  std::size_t content_lengths = 0, transfer_encodings = 0, hosts = 0;
  std::string_view te;
  for (std::size_t i = 0; i < head_.header_count(); ++i) {
    const std::string_view name = head_.name(i);
    const std::string_view value = head_.value(i);
    if (name.empty()) return fail(ProxyError::bad_request, "empty header name");
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        return fail(ProxyError::bad_request, "control character in a header value");
      }
    }
    if (iequals(name, "content-length")) {
      ++content_lengths;
    } else if (iequals(name, "transfer-encoding")) {
      ++transfer_encodings;
      te = value;
    } else if (iequals(name, "host")) {
      ++hosts;
    } else if (iequals(name, "expect")) {
      if (iequals(value, "100-continue")) head_.expect_continue = true;
    }
  }
  if (content_lengths > 1) return fail(ProxyError::smuggling, "more than one Content-Length");
  if (transfer_encodings > 1) return fail(ProxyError::smuggling, "more than one Transfer-Encoding");
  if (transfer_encodings == 1 && content_lengths == 1) {
    return fail(ProxyError::smuggling, "both Content-Length and Transfer-Encoding");
  }
  if (transfer_encodings == 1) {
    if (head_.minor == 0) return fail(ProxyError::smuggling, "Transfer-Encoding in an HTTP/1.0 request");
    if (!iequals(te, "chunked")) return fail(ProxyError::smuggling, "Transfer-Encoding other than chunked");
  }
  if (hosts > 1) return fail(ProxyError::bad_request, "more than one Host");
  if (hosts == 0 && head_.minor == 1) return fail(ProxyError::bad_request, "HTTP/1.1 request without Host");
  if (is_connect_method(parser_.method())) {
    return fail(ProxyError::method_not_allowed, "CONNECT is not proxied");
  }
  // Target: origin-form, asterisk-form (OPTIONS), or absolute-form rewritten to origin-form.
  const std::string_view target = head_.target();
  if (target.empty()) return fail(ProxyError::bad_request, "empty target");
  if (target.front() != '/') {
    if (target == "*") {
      if (head_.method() != "OPTIONS") return fail(ProxyError::bad_request, "asterisk target");
    } else {
      const std::size_t scheme = target.find("://");
      if (scheme == std::string_view::npos) return fail(ProxyError::bad_request, "target is not a path");
      const std::size_t path = target.find('/', scheme + 3);
      if (path == std::string_view::npos) {
        return fail(ProxyError::bad_request, "absolute target without a path");
      }
      head_.replace_target(target.substr(path));
    }
  }
  return kLlhttpOk;
}

int Http1RequestParser::on_headers_complete() {
  head_.major = parser_.http_major();
  head_.minor = parser_.http_minor();
  if (head_.major != 1) return fail(ProxyError::bad_request, "unsupported HTTP version");
  if (const int r = check_head(); r != kLlhttpOk) return r;
  head_.keep_alive = parser_.should_keep_alive();
  head_.is_head = is_head_method(parser_.method());
  head_.upgrade = parser_.upgrade();
  if (head_.upgrade) {
    const auto up = head_.find("upgrade");
    head_.h2c_upgrade = up && iequals(*up, "h2c") && head_.count("http2-settings") == 1;
  }
  if (parser_.chunked()) {
    head_.body = BodyKind::chunked;
  } else if (parser_.has_content_length() && parser_.content_length() > 0) {
    head_.body = BodyKind::length;
    head_.content_length = parser_.content_length();
    if (head_.content_length > limits_.max_body_bytes) {
      return fail(ProxyError::body_too_large, "Content-Length over max_body_bytes");
    }
  } else {
    head_.body = BodyKind::none;
  }
  head_done_ = true;
  // Stop after the head only when a body follows (the caller may answer 100-continue or
  // refuse first); a bodiless request runs on to on_message_complete.
  return head_.body == BodyKind::none ? kLlhttpOk : kLlhttpPause;
}

int Http1RequestParser::on_body(std::string_view piece) {
  body_bytes_ += piece.size();
  if (body_bytes_ > limits_.max_body_bytes) {
    return fail(ProxyError::body_too_large, "body over max_body_bytes");
  }
  if (body_out_ != nullptr) body_out_->append(piece);
  return kLlhttpOk;
}

int Http1RequestParser::on_message_complete() {
  message_done_ = true;
  if (parser_.upgrade()) return kLlhttpOk;  // llhttp then returns PAUSED_UPGRADE
  return kLlhttpPause;
}

}  // namespace defender::cnaf

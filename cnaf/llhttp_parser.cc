#include "cnaf/llhttp_parser.h"

#include <llhttp.h>

namespace defender::cnaf {
namespace {

LlhttpHandler& handler_of(llhttp_t* p) { return *static_cast<LlhttpHandler*>(p->data); }
std::string_view span(const char* at, std::size_t n) { return {at, n}; }

llhttp_settings_t make_settings() {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_message_begin = [](llhttp_t* p) { return handler_of(p).on_message_begin(); };
  s.on_method = [](llhttp_t* p, const char* at, std::size_t n) {
    return handler_of(p).on_method(span(at, n));
  };
  s.on_url = [](llhttp_t* p, const char* at, std::size_t n) {
    return handler_of(p).on_url(span(at, n));
  };
  s.on_status = [](llhttp_t* p, const char* at, std::size_t n) {
    return handler_of(p).on_status(span(at, n));
  };
  s.on_header_field = [](llhttp_t* p, const char* at, std::size_t n) {
    return handler_of(p).on_header_field(span(at, n));
  };
  s.on_header_field_complete = [](llhttp_t* p) { return handler_of(p).on_header_field_complete(); };
  s.on_header_value = [](llhttp_t* p, const char* at, std::size_t n) {
    return handler_of(p).on_header_value(span(at, n));
  };
  s.on_header_value_complete = [](llhttp_t* p) { return handler_of(p).on_header_value_complete(); };
  s.on_headers_complete = [](llhttp_t* p) { return handler_of(p).on_headers_complete(); };
  s.on_body = [](llhttp_t* p, const char* at, std::size_t n) {
    return handler_of(p).on_body(span(at, n));
  };
  s.on_message_complete = [](llhttp_t* p) { return handler_of(p).on_message_complete(); };
  return s;
}

// Immutable after construction; llhttp only reads it.
const llhttp_settings_t kSettings = make_settings();

}  // namespace

struct LlhttpParser::State {
  llhttp_t parser;
  Type type;
};

LlhttpParser::LlhttpParser(Type type, LlhttpHandler& handler) : state_(std::make_unique<State>()) {
  state_->type = type;
  llhttp_init(&state_->parser, type == Type::request ? HTTP_REQUEST : HTTP_RESPONSE, &kSettings);
  state_->parser.data = &handler;
}

LlhttpParser::~LlhttpParser() = default;

LlhttpParser::Status LlhttpParser::execute(std::string_view data, std::size_t& consumed) {
  const llhttp_errno_t err = llhttp_execute(&state_->parser, data.data(), data.size());
  switch (err) {
    case HPE_OK:
      consumed = data.size();
      return Status::ok;
    case HPE_PAUSED:
      consumed = static_cast<std::size_t>(llhttp_get_error_pos(&state_->parser) - data.data());
      return Status::paused;
    case HPE_PAUSED_UPGRADE:
      consumed = static_cast<std::size_t>(llhttp_get_error_pos(&state_->parser) - data.data());
      return Status::paused_upgrade;
    default: {
      const char* pos = llhttp_get_error_pos(&state_->parser);
      consumed = pos != nullptr && pos >= data.data() && pos <= data.data() + data.size()
                     ? static_cast<std::size_t>(pos - data.data())
                     : 0;
      return Status::error;
    }
  }
}

LlhttpParser::Status LlhttpParser::finish() {
  const llhttp_errno_t err = llhttp_finish(&state_->parser);
  if (err == HPE_OK) return Status::ok;
  if (err == HPE_PAUSED) return Status::paused;
  return Status::error;
}

void LlhttpParser::resume() { llhttp_resume(&state_->parser); }

void LlhttpParser::reset() {
  void* data = state_->parser.data;
  llhttp_init(&state_->parser, state_->type == Type::request ? HTTP_REQUEST : HTTP_RESPONSE,
              &kSettings);
  state_->parser.data = data;
}

int LlhttpParser::error_number() const { return llhttp_get_errno(&state_->parser); }
const char* LlhttpParser::error_reason() const {
  const char* r = llhttp_get_error_reason(&state_->parser);
  return r != nullptr ? r : "";
}
std::uint8_t LlhttpParser::method() const { return state_->parser.method; }
int LlhttpParser::status_code() const { return state_->parser.status_code; }
int LlhttpParser::http_major() const { return state_->parser.http_major; }
int LlhttpParser::http_minor() const { return state_->parser.http_minor; }
bool LlhttpParser::should_keep_alive() const { return llhttp_should_keep_alive(&state_->parser) != 0; }
bool LlhttpParser::upgrade() const { return state_->parser.upgrade != 0; }
bool LlhttpParser::chunked() const { return (state_->parser.flags & F_CHUNKED) != 0; }
bool LlhttpParser::has_content_length() const {
  return (state_->parser.flags & F_CONTENT_LENGTH) != 0;
}
std::uint64_t LlhttpParser::content_length() const { return state_->parser.content_length; }
bool LlhttpParser::message_needs_eof() const {
  return llhttp_message_needs_eof(&state_->parser) != 0;
}

bool is_head_method(std::uint8_t method) noexcept { return method == HTTP_HEAD; }
bool is_connect_method(std::uint8_t method) noexcept { return method == HTTP_CONNECT; }

}  // namespace defender::cnaf

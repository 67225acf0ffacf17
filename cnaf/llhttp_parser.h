// The one place that touches llhttp: an RAII parser in strict mode whose callbacks go to a
// Handler. Owned by a request or response parser; used on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace defender::cnaf {

// Return values of the callbacks, as llhttp defines them.
inline constexpr int kLlhttpOk = 0;
inline constexpr int kLlhttpError = -1;
inline constexpr int kLlhttpPause = 21;        // HPE_PAUSED
inline constexpr int kLlhttpSkipBody = 1;      // on_headers_complete: no body follows
inline constexpr int kLlhttpUpgradeNoBody = 2; // on_headers_complete: no body, then upgrade

class LlhttpHandler {
 public:
  virtual ~LlhttpHandler() = default;
  virtual int on_message_begin() { return kLlhttpOk; }
  virtual int on_method(std::string_view) { return kLlhttpOk; }
  virtual int on_url(std::string_view) { return kLlhttpOk; }
  virtual int on_status(std::string_view) { return kLlhttpOk; }
  virtual int on_header_field(std::string_view) { return kLlhttpOk; }
  virtual int on_header_field_complete() { return kLlhttpOk; }
  virtual int on_header_value(std::string_view) { return kLlhttpOk; }
  virtual int on_header_value_complete() { return kLlhttpOk; }
  virtual int on_headers_complete() { return kLlhttpOk; }
  virtual int on_body(std::string_view) { return kLlhttpOk; }
  virtual int on_message_complete() { return kLlhttpOk; }
};

class LlhttpParser {
 public:
  enum class Type : std::uint8_t { request, response };
  enum class Status : std::uint8_t { ok, paused, paused_upgrade, error };

  LlhttpParser(Type type, LlhttpHandler& handler);
  ~LlhttpParser();
  LlhttpParser(const LlhttpParser&) = delete;
  LlhttpParser& operator=(const LlhttpParser&) = delete;

  // Parses `data`; `consumed` says how far it got (all of it unless paused or failed).
  Status execute(std::string_view data, std::size_t& consumed);
  Status finish();  // the peer closed: completes an EOF-delimited message
  void resume();    // after Status::paused
  void reset();     // fresh state for the next message stream (keeps the handler)

  int error_number() const;
  const char* error_reason() const;
  std::uint8_t method() const;      // llhttp_method_t
  int status_code() const;
  int http_major() const;
  int http_minor() const;
  bool should_keep_alive() const;
  bool upgrade() const;
  bool chunked() const;             // Transfer-Encoding: chunked was seen
  bool has_content_length() const;
  std::uint64_t content_length() const;  // valid in on_headers_complete when has_content_length
  bool message_needs_eof() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Method code of HEAD and CONNECT in llhttp's numbering (for callers that avoid the header).
bool is_head_method(std::uint8_t method) noexcept;
bool is_connect_method(std::uint8_t method) noexcept;

}  // namespace defender::cnaf

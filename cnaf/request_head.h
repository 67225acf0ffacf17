// RequestHead: the parsed head of one request (HTTP/1 or HTTP/2), stored flat in one string
// with header entries as offsets, so that reusing a RequestHead for the next request allocates
// nothing. Filled by Http1RequestParser or by the HTTP/2 front end; read by the rewriting and
// inspection code. Owned by one request; one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace defender::cnaf {

struct HeaderEntry {
  std::uint32_t name_off = 0;
  std::uint32_t name_len = 0;
  std::uint32_t value_off = 0;
  std::uint32_t value_len = 0;
};

enum class BodyKind : std::uint8_t { none, length, chunked, stream /* HTTP/2: length unknown */ };

// ASCII case-insensitive equality (header names, tokens).
bool iequals(std::string_view a, std::string_view b) noexcept;
// True when the comma-separated `list` holds `token` (case-insensitive, OWS trimmed).
bool has_token(std::string_view list, std::string_view token) noexcept;

class RequestHead {
 public:
  void clear();
  void reserve(std::size_t bytes, std::size_t headers);

  std::string_view method() const { return slice(method_off_, method_len_); }
  std::string_view target() const { return slice(target_off_, target_len_); }
  std::string_view version() const;  // "HTTP/1.0" | "HTTP/1.1" | "HTTP/2"
  std::size_t header_count() const { return headers_.size(); }
  std::string_view name(std::size_t i) const { return slice(headers_[i].name_off, headers_[i].name_len); }
  std::string_view value(std::size_t i) const { return slice(headers_[i].value_off, headers_[i].value_len); }
  // First value of a header (name compared case-insensitively).
  std::optional<std::string_view> find(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  std::size_t bytes() const { return buf_.size(); }

  // Building (the parsers and the HTTP/2 front end).
  void set_method(std::string_view m);
  void set_target(std::string_view t);
  void append_method(std::string_view piece);
  void append_target(std::string_view piece);
  void begin_header();
  void append_name(std::string_view piece);
  void append_value(std::string_view piece);
  void end_header();  // trims trailing whitespace of the value
  void add_header(std::string_view name, std::string_view value);
  void replace_target(std::string_view t);  // absolute-form -> origin-form

  int major = 1;
  int minor = 1;
  BodyKind body = BodyKind::none;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
  bool upgrade = false;          // Connection: upgrade + Upgrade (tunnel after 101)
  bool expect_continue = false;  // Expect: 100-continue
  bool is_head = false;
  bool h2c_upgrade = false;      // Upgrade: h2c with HTTP2-Settings

 private:
  std::string_view slice(std::uint32_t off, std::uint32_t len) const {
    return std::string_view(buf_).substr(off, len);
  }
  std::string buf_;
  std::vector<HeaderEntry> headers_;
  std::uint32_t method_off_ = 0, method_len_ = 0, target_off_ = 0, target_len_ = 0;
};

}  // namespace defender::cnaf

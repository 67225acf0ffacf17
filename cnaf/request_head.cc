#include "cnaf/request_head.h"

namespace defender::cnaf {
namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool has_token(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && is_ows(item.front())) item.remove_prefix(1);
    while (!item.empty() && is_ows(item.back())) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

void RequestHead::clear() {
  buf_.clear();
  headers_.clear();
  method_off_ = method_len_ = target_off_ = target_len_ = 0;
  major = minor = 1;
  body = BodyKind::none;
  content_length = 0;
  keep_alive = true;
  upgrade = expect_continue = is_head = h2c_upgrade = false;
}

void RequestHead::reserve(std::size_t bytes, std::size_t headers) {
  buf_.reserve(bytes);
  headers_.reserve(headers);
}

std::string_view RequestHead::version() const {
  if (major == 2) return "HTTP/2";
  return minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
}

std::optional<std::string_view> RequestHead::find(std::string_view name) const {
  for (std::size_t i = 0; i < headers_.size(); ++i) {
    if (iequals(this->name(i), name)) return value(i);
  }
  return std::nullopt;
}

std::size_t RequestHead::count(std::string_view name) const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < headers_.size(); ++i) n += iequals(this->name(i), name) ? 1 : 0;
  return n;
}

void RequestHead::set_method(std::string_view m) {
  method_off_ = static_cast<std::uint32_t>(buf_.size());
  method_len_ = static_cast<std::uint32_t>(m.size());
  buf_.append(m);
}

void RequestHead::set_target(std::string_view t) {
  target_off_ = static_cast<std::uint32_t>(buf_.size());
  target_len_ = static_cast<std::uint32_t>(t.size());
  buf_.append(t);
}

// Pieces arrive contiguously (nothing else is appended between two pieces of one token).
void RequestHead::append_method(std::string_view piece) {
  if (method_len_ == 0) method_off_ = static_cast<std::uint32_t>(buf_.size());
  method_len_ += static_cast<std::uint32_t>(piece.size());
  buf_.append(piece);
}

void RequestHead::append_target(std::string_view piece) {
  if (target_len_ == 0) target_off_ = static_cast<std::uint32_t>(buf_.size());
  target_len_ += static_cast<std::uint32_t>(piece.size());
  buf_.append(piece);
}

void RequestHead::begin_header() {
  HeaderEntry e;
  e.name_off = e.value_off = static_cast<std::uint32_t>(buf_.size());
  headers_.push_back(e);
}

void RequestHead::append_name(std::string_view piece) {
  HeaderEntry& e = headers_.back();
  e.name_len += static_cast<std::uint32_t>(piece.size());
  buf_.append(piece);
  e.value_off = static_cast<std::uint32_t>(buf_.size());
}

void RequestHead::append_value(std::string_view piece) {
  HeaderEntry& e = headers_.back();
  if (e.value_len == 0) e.value_off = static_cast<std::uint32_t>(buf_.size());
  e.value_len += static_cast<std::uint32_t>(piece.size());
  buf_.append(piece);
}

void RequestHead::end_header() {
  HeaderEntry& e = headers_.back();
  while (e.value_len > 0 && is_ows(buf_[e.value_off + e.value_len - 1])) --e.value_len;
  while (e.value_len > 0 && is_ows(buf_[e.value_off])) {
    ++e.value_off;
    --e.value_len;
  }
}

void RequestHead::add_header(std::string_view name, std::string_view value) {
  begin_header();
  append_name(name);
  append_value(value);
  end_header();
}

void RequestHead::replace_target(std::string_view t) {
  // The new target is a suffix of the old one (origin-form of an absolute-form target), so it
  // fits in place: point into it.
  const std::string_view old = target();
  if (t.data() >= old.data() && t.data() + t.size() <= old.data() + old.size()) {
    target_off_ += static_cast<std::uint32_t>(t.data() - old.data());
    target_len_ = static_cast<std::uint32_t>(t.size());
    return;
  }
  set_target(t);
}

}  // namespace defender::cnaf

// RFC 9110 tokens (request methods, header names): the policy's cnaf.allowed_methods and
// CNAF's HTTP/1 and HTTP/2 request readers accept the same characters. Header-only.
#pragma once

#include <string_view>

namespace defender::policy {

// A tchar: letters, digits and !#$%&'*+-.^_`|~.
constexpr bool is_tchar(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != '\0' && std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos);
}

// One or more tchars.
constexpr bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s)
    if (!is_tchar(c)) return false;
  return true;
}

}  // namespace defender::policy

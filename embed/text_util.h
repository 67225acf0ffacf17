// Small text helpers for the embed module, matching Go's definitions where BuildKit uses them
// (unicode.IsSpace, strings.TrimSpace). Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace defender::embed {

inline bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// \t \n \v \f \r and space.
inline bool is_ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// Go's unicode.IsSpace over UTF-8 runes (invalid bytes are not spaces).
std::string_view trim_left_unicode_space(std::string_view s);
std::string_view trim_unicode_space(std::string_view s);  // both ends, like strings.TrimSpace

bool valid_utf8(std::string_view s);

}  // namespace defender::embed

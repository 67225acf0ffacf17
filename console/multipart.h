// A bounded multipart/form-data parser for the embed endpoint (untrusted input: every
// problem is a message, never a crash). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace defender::console {

struct FormPart {
  std::string name;
  std::string filename;
  std::string data;
};

struct FormParseResult {
  std::vector<FormPart> parts;
  std::string error;  // "" when fine
};

// `content_type` is the request's Content-Type header (it carries the boundary).
FormParseResult parse_multipart(std::string_view content_type, std::string_view body,
                                std::size_t max_parts = 16);

const FormPart* find_part(const std::vector<FormPart>& parts, std::string_view name);

}  // namespace defender::console

#include "console/multipart.h"

#include <algorithm>
#include <cctype>

namespace defender::console {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The value of `key=` in a header's parameters (quoted or not); nullopt when absent.
std::optional<std::string> parameter(std::string_view header, std::string_view key) {
  const std::string low = lower(header);
  std::size_t pos = 0;
  while ((pos = low.find(key, pos)) != std::string::npos) {
    const bool starts = pos == 0 || low[pos - 1] == ';' || low[pos - 1] == ' ' || low[pos - 1] == '\t';
    const std::size_t eq = pos + key.size();
    if (!starts || eq >= low.size() || low[eq] != '=') {
      pos = eq;
      continue;
    }
    std::size_t start = eq + 1;
    if (start < header.size() && header[start] == '"') {
      const std::size_t end = header.find('"', start + 1);
      if (end == std::string_view::npos) return std::nullopt;
      return std::string(header.substr(start + 1, end - start - 1));
    }
    std::size_t end = start;
    while (end < header.size() && header[end] != ';' && header[end] != ' ') ++end;
    return std::string(header.substr(start, end - start));
  }
  return std::nullopt;
}

}  // namespace

FormParseResult parse_multipart(std::string_view content_type, std::string_view body,
                                std::size_t max_parts) {
  FormParseResult result;
  if (lower(content_type).rfind("multipart/form-data", 0) != 0) {
    result.error = "expected Content-Type multipart/form-data";
    return result;
  }
  const auto boundary = parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) {
    result.error = "multipart/form-data without a usable boundary";
    return result;
  }
  const std::string delimiter = "--" + *boundary;
  std::size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) {
    result.error = "multipart body without its boundary";
    return result;
  }
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return result;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") {
      result.error = "malformed multipart delimiter line";
      return result;
    }
    pos += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) {
      result.error = "multipart part without the end of its headers";
      return result;
    }
    FormPart part;
    bool has_disposition = false;
    std::string_view headers = body.substr(pos, headers_end - pos);
    while (!headers.empty()) {
      const std::size_t eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      if (lower(line.substr(0, colon)) != "content-disposition") continue;
      has_disposition = true;
      const std::string_view value = line.substr(colon + 1);
      part.name = parameter(value, "name").value_or("");
      part.filename = parameter(value, "filename").value_or("");
    }
    const std::size_t data_start = headers_end + 4;
    const std::size_t next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string_view::npos) {
      result.error = "multipart part without a closing boundary";
      return result;
    }
    if (!has_disposition || part.name.empty()) {
      result.error = "multipart part without a Content-Disposition name";
      return result;
    }
    if (result.parts.size() >= max_parts) {
      result.error = "too many multipart parts";
      return result;
    }
    part.data = std::string(body.substr(data_start, next - data_start));
    result.parts.push_back(std::move(part));
    pos = next + 2;
  }
}

const FormPart* find_part(const std::vector<FormPart>& parts, std::string_view name) {
  for (const auto& part : parts) {
    if (part.name == name) return &part;
  }
  return nullptr;
}

}  // namespace defender::console

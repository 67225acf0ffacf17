// Request decomposition: splits the containers of a request (query string, urlencoded and
// multipart forms, JSON and XML bodies, cookies) into named values, each handed to a
// PartVisitor with its Source. Pure parsing, no decoding beyond what the container defines
// (a JSON string keeps its escapes; a query value keeps its %XX, flagged `url_encoded`).
// Every loop is bounded by the input and `max_parts`; malformed input is noted, not thrown.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cnaf/waf/inspected.h"

namespace defender::cnaf::waf {

// Where the JSON value being visited lies ("$.user.tags[0]"): written out only when asked
// for, as most values are found clean without it. Keys longer than 64 bytes are cut.
class JsonPath {
 public:
  std::string_view str() const;

 private:
  friend class PartWalker;
  struct Step {
    std::string_view key;  // in an object
    std::size_t index = 0;  // in an array
    bool array = false;
  };
  std::vector<Step> steps_;  // one per enclosing container: at most max_depth
  mutable std::string text_;
};

struct Part {
  Source source = Source::query;
  std::string_view name;   // raw (query/form/cookie names keep their encoding); empty for JSON
  std::string_view value;
  bool url_encoded = false;  // value and name need %XX (and '+') decoding
  const JsonPath* json_path = nullptr;  // JSON keys and values: their path, valid during visit
};

class PartVisitor {
 public:
  virtual ~PartVisitor() = default;
  // Returns false to stop the walk (the request is already decided).
  virtual bool visit(const Part& part) = 0;
};

// What the parsers noticed about the structure (the protocol protection reads these).
struct ParseNotes {
  bool malformed_json = false;
  bool malformed_multipart = false;
  bool too_deep = false;
  bool too_many_parts = false;
  bool bad_charset = false;  // a part declares a charset other than UTF-8 / Latin-1 / ASCII
  bool raw_entity = false;   // query(): an '&' starts an HTML entity (raw_entity_at)
  std::size_t parts = 0;
};

struct PartLimits {
  std::size_t max_parts = 4096;  // values visited per request
  std::size_t max_depth = 64;    // JSON/XML nesting
  // Values (not names) of queries, forms and cookies, JSON strings and keys that are inert
  // tokens (inert_token: nothing to inspect) are counted but not visited. For a visitor that
  // does nothing else with such a value.
  bool skip_inert = false;
};

class PartWalker {
 public:
  PartWalker(PartVisitor& visitor, PartLimits limits) : visitor_(visitor), limits_(limits) {}

  // "a=1&b=2" (also for urlencoded bodies with Source::form).
  bool query(std::string_view query, Source value_source, Source name_source);
  // Cookie header value: "a=1; b=2".
  bool cookies(std::string_view header_value);
  bool multipart(std::string_view body, std::string_view boundary);
  bool json(std::string_view body);
  bool xml(std::string_view body);

  const ParseNotes& notes() const noexcept { return notes_; }

 private:
  bool emit(Source source, std::string_view name, std::string_view value, bool url_encoded,
            const JsonPath* json_path = nullptr);
  std::size_t json_document(std::string_view s, std::size_t i);

  PartVisitor& visitor_;
  PartLimits limits_;
  ParseNotes notes_;
  JsonPath path_;  // of the JSON value being read
  bool stopped_ = false;
};

// A raw '&' at `amp` that starts an HTML entity ("&Tab;", "&#106;", "&lt;") rather than a
// new argument; has_raw_entity: any '&' of `q` does.
bool raw_entity_at(std::string_view q, std::size_t amp) noexcept;
bool has_raw_entity(std::string_view q) noexcept;

// Content-Type helpers: the media type in lower case without parameters, and the
// multipart boundary parameter (unquoted).
std::string_view media_type(std::string_view content_type, std::string& lower_buf);
std::string_view boundary_of(std::string_view content_type);
// False when a Content-Type declares a charset other than UTF-8, ISO-8859-1, US-ASCII or
// windows-1252 (UTF-7 and friends are decoded by some back ends and by no WAF).
bool allowed_charset(std::string_view content_type);

}  // namespace defender::cnaf::waf

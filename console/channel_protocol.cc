#include "console/channel_protocol.h"

#include <cctype>

namespace defender::console {
namespace {

bool digits(std::string_view text, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// From the opening quote at `pos`: the position after the closing one; npos when unclosed.
// `escaped` tells whether a backslash occurred inside.
std::size_t skip_string(std::string_view t, std::size_t pos, bool* escaped = nullptr) {
  for (std::size_t i = pos + 1; i < t.size(); ++i) {
    if (t[i] == '\\') {
      if (escaped != nullptr) *escaped = true;
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// From the first byte of a JSON value: the position after it; npos when it does not end.
std::size_t skip_value(std::string_view t, std::size_t pos) {
  if (pos >= t.size()) return std::string_view::npos;
  if (t[pos] == '"') return skip_string(t, pos);
  if (t[pos] != '{' && t[pos] != '[') {
    while (pos < t.size() && t[pos] != ',' && t[pos] != '}' && t[pos] != ']' && !blank(t[pos])) ++pos;
    return pos;
  }
  int depth = 0;
  for (std::size_t i = pos; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '"') {
      i = skip_string(t, i);
      if (i == std::string_view::npos) return i;
      --i;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// One well-formed event object -> its row; false when a field we need is escaped (rare: the
// caller then parses that event).
bool row_from_object(std::string_view object, StoredEvent& row) {
  std::size_t pos = 1;
  for (;;) {
    while (pos < object.size() && (blank(object[pos]) || object[pos] == ',')) ++pos;
    if (pos >= object.size() || object[pos] != '"') return true;  // '}'
    const std::size_t key_end = skip_string(object, pos);
    const std::string_view key = object.substr(pos + 1, key_end - pos - 2);
    pos = key_end;
    while (pos < object.size() && (blank(object[pos]) || object[pos] == ':')) ++pos;
    const std::size_t value_end = skip_value(object, pos);
    if (object[pos] == '"' && (key == "time" || key == "type" || key == "action")) {
      bool escaped = false;
      skip_string(object, pos, &escaped);
      if (escaped) return false;
      const std::string_view value = object.substr(pos + 1, value_end - pos - 2);
      if (key == "time") {
        if (auto ms = parse_rfc3339_ms(value)) row.time_ms = *ms;
      } else if (key == "type") {
        row.type = std::string(value.substr(0, 32));
      } else {
        row.action = std::string(value.substr(0, 32));
      }
    }
    pos = value_end;
  }
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view t) {
  int year, month, day, hour, minute, second;
  if (!digits(t, 0, 4, year) || t.size() < 19 || t[4] != '-' || !digits(t, 5, 2, month) ||
      t[7] != '-' || !digits(t, 8, 2, day) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') ||
      !digits(t, 11, 2, hour) || t[13] != ':' || !digits(t, 14, 2, minute) || t[16] != ':' ||
      !digits(t, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int millis = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int scale = 100;
    const std::size_t start = pos;
    while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) {
      millis += (t[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  const std::string_view zone = t.substr(pos);
  if (zone != "Z" && zone != "z" && zone != "+00:00") return std::nullopt;
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + hour) * 60 + minute) * 60'000 + std::int64_t{second} * 1000 + millis;
}

std::vector<StoredEvent> events_from_message(const nlohmann::json& events, const std::string& app_id,
                                             const std::string& instance, std::int64_t now_ms,
                                             std::size_t& skipped) {
  std::vector<StoredEvent> out;
  if (!events.is_array()) return out;
  out.reserve(events.size());
  for (const auto& event : events) {
    if (!event.is_object()) {
      ++skipped;
      continue;
    }
    StoredEvent row;
    row.app_id = app_id;
    row.instance = instance;
    row.time_ms = now_ms;
    if (const auto it = event.find("time"); it != event.end() && it->is_string()) {
      if (auto ms = parse_rfc3339_ms(it->get_ref<const std::string&>())) row.time_ms = *ms;
    }
    if (const auto it = event.find("type"); it != event.end() && it->is_string()) {
      row.type = it->get<std::string>().substr(0, 32);
    }
    if (const auto it = event.find("action"); it != event.end() && it->is_string()) {
      row.action = it->get<std::string>().substr(0, 32);
    }
    row.json = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out.push_back(std::move(row));
  }
  return out;
}

std::optional<std::int64_t> canonical_events_seq(std::string_view text) {
  constexpr std::string_view kHead = R"({"type":"events","seq":)";
  constexpr std::string_view kTail = R"(,"events":[)";
  if (text.substr(0, kHead.size()) != kHead) return std::nullopt;
  std::size_t pos = kHead.size();
  std::int64_t seq = 0;
  const std::size_t start = pos;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) && pos - start < 18) {
    seq = seq * 10 + (text[pos] - '0');
    ++pos;
  }
  if (pos == start || text.substr(pos, kTail.size()) != kTail || text.back() != '}') return std::nullopt;
  return seq;
}

std::optional<std::vector<StoredEvent>> rows_from_canonical_message(std::string_view text, const std::string& app_id,
                                                                   const std::string& instance, std::int64_t now_ms,
                                                                   std::size_t& skipped) {
  if (!canonical_events_seq(text)) return std::nullopt;
  std::size_t pos = text.find(R"("events":[)") + 10;
  std::vector<StoredEvent> out;
  for (;;) {
    while (pos < text.size() && (blank(text[pos]) || text[pos] == ',')) ++pos;
    if (pos >= text.size()) return std::nullopt;
    if (text[pos] == ']') break;
    const std::size_t end = skip_value(text, pos);
    if (end == std::string_view::npos) return std::nullopt;
    const std::string_view element = text.substr(pos, end - pos);
    pos = end;
    if (!nlohmann::json::accept(element)) return std::nullopt;
    if (element.front() != '{') {
      ++skipped;
      continue;
    }
    StoredEvent row;
    row.app_id = app_id;
    row.instance = instance;
    row.time_ms = now_ms;
    if (!row_from_object(element, row)) {  // an escaped time/type/action: the slow way
      std::size_t ignored = 0;
      auto one = events_from_message(nlohmann::json::array({nlohmann::json::parse(element)}), app_id, instance,
                                     now_ms, ignored);
      out.push_back(std::move(one.front()));
      continue;
    }
    row.json = std::string(element);
    out.push_back(std::move(row));
  }
  // What follows the array must close the message.
  ++pos;
  while (pos < text.size() && blank(text[pos])) ++pos;
  if (pos + 1 != text.size() || text[pos] != '}') return std::nullopt;
  return out;
}

std::string policy_message(const PolicyRecord& record) {
  return nlohmann::json{{"type", "policy"},
                        {"app_id", record.app_id},
                        {"version", record.version},
                        {"text", record.text}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace defender::console

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

std::string policy_message(const PolicyRecord& record) {
  return nlohmann::json{{"type", "policy"},
                        {"app_id", record.app_id},
                        {"version", record.version},
                        {"text", record.text}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace defender::console

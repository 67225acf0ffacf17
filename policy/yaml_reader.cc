#include "policy/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace defender::policy {
namespace {

std::string_view kind_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "a scalar";
    default: return "an undefined value";
  }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string quoted(const std::string& text) {
  constexpr std::size_t kMax = 60;
  return "'" + (text.size() > kMax ? text.substr(0, kMax) + "..." : text) + "'";
}

}  // namespace

std::string closest_word(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return std::string(best);
}

void YamlReader::error(const YAML::Node& at, std::string message) { error(at.Mark(), std::move(message)); }

void YamlReader::error(const YAML::Mark& at, std::string message) {
  const bool known = !at.is_null();
  error_in(file_, known ? at.line + 1 : 0, known ? at.column + 1 : 0, std::move(message));
}

void YamlReader::error_in(const std::string& file, int line, int column, std::string message) {
  if (errors_.size() > max_errors_) return;
  if (errors_.size() == max_errors_) {
    errors_.push_back({file, line, column, "too many errors; stopping here"});
    return;
  }
  errors_.push_back({file, line, column, std::move(message)});
}

void YamlReader::read_map(const YAML::Node& node, const std::string& path,
                          std::initializer_list<Field> fields) {
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    error(node, (path.empty() ? std::string("the policy") : path) + ": expected a map of keys, got " +
                    std::string(kind_name(node)));
    return;
  }
  std::map<std::string, YAML::Mark> seen;
  for (const auto& entry : node) {
    const YAML::Node& key_node = entry.first;
    const std::string key = key_node.IsScalar() ? key_node.Scalar() : std::string();
    const std::string full = path.empty() ? key : path + "." + key;
    if (!key_node.IsScalar()) {
      error(key_node, (path.empty() ? std::string("the policy") : path) + ": keys must be plain words");
      continue;
    }
    if (const auto [it, inserted] = seen.emplace(key, key_node.Mark()); !inserted) {
      error(key_node, "duplicate key '" + full + "' (first at line " + std::to_string(it->second.line + 1) + ")");
      continue;
    }
    const auto field = std::find_if(fields.begin(), fields.end(),
                                    [&](const Field& f) { return f.key == key; });
    if (field == fields.end()) {
      std::vector<std::string_view> names;
      for (const auto& f : fields) names.push_back(f.key);
      std::string message = "unknown key '" + full + "'";
      if (const std::string hint = closest_word(key, names); !hint.empty()) {
        message += " (did you mean '" + hint + "'?)";
      }
      error(key_node, message);
      continue;
    }
    field->read(entry.second, full);
  }
}

bool YamlReader::expect_scalar(const YAML::Node& value, const std::string& path, std::string_view wanted) {
  if (value.IsScalar()) return true;
  error(value, path + ": expected " + std::string(wanted) + ", got " + std::string(kind_name(value)));
  return false;
}

bool YamlReader::read_string(const YAML::Node& value, const std::string& path, std::string& out) {
  if (value.IsNull()) {
    out.clear();
    return true;
  }
  if (!expect_scalar(value, path, "a string")) return false;
  out = value.Scalar();
  return true;
}

bool YamlReader::read_bool(const YAML::Node& value, const std::string& path, bool& out) {
  if (!expect_scalar(value, path, "true or false")) return false;
  const std::string& text = value.Scalar();
  if (text == "true") {
    out = true;
  } else if (text == "false") {
    out = false;
  } else {
    error(value, path + ": expected true or false, got " + quoted(text));
    return false;
  }
  return true;
}

bool YamlReader::read_uint64(const YAML::Node& value, const std::string& path, std::uint64_t min,
                             std::uint64_t max, std::uint64_t& out) {
  const std::string range = "a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (!expect_scalar(value, path, range)) return false;
  const std::string& text = value.Scalar();
  std::uint64_t parsed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || parsed < min ||
      parsed > max) {
    error(value, path + ": expected " + range + ", got " + quoted(text));
    return false;
  }
  out = parsed;
  return true;
}

bool YamlReader::read_number(const YAML::Node& value, const std::string& path, double min,
                             double max, double& out) {
  if (!expect_scalar(value, path, "a number")) return false;
  const std::string& text = value.Scalar();
  double parsed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || !(parsed >= min) ||
      !(parsed <= max)) {
    error(value, path + ": expected a number from " + std::to_string(static_cast<long long>(min)) +
                     " to " + std::to_string(static_cast<long long>(max)) + ", got " + quoted(text));
    return false;
  }
  out = parsed;
  return true;
}

bool YamlReader::read_mode(const YAML::Node& value, const std::string& path, bool allow_ban, Mode& out) {
  const std::string wanted = allow_ban ? "disable, alert, prevent or ban" : "disable, alert or prevent";
  if (!expect_scalar(value, path, wanted)) return false;
  const auto mode = parse_mode(value.Scalar());
  if (!mode || (*mode == Mode::ban && !allow_ban)) {
    std::string message = path + ": unknown action " + quoted(value.Scalar()) + " (expected " + wanted + ")";
    if (mode && *mode == Mode::ban) message = path + ": 'ban' applies only to CNAF protections and rate limits";
    error(value, message);
    return false;
  }
  out = *mode;
  return true;
}

bool YamlReader::read_choice(const YAML::Node& value, const std::string& path,
                             const std::vector<std::string_view>& names, std::size_t& out) {
  std::string wanted;
  for (std::size_t i = 0; i < names.size(); ++i) {
    wanted += (i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ")) + std::string(names[i]);
  }
  if (!expect_scalar(value, path, wanted)) return false;
  const auto it = std::find(names.begin(), names.end(), value.Scalar());
  if (it == names.end()) {
    std::string message = path + ": unknown value " + quoted(value.Scalar()) + " (expected " + wanted + ")";
    if (const std::string hint = closest_word(value.Scalar(), names); !hint.empty()) {
      message += "; did you mean '" + hint + "'?";
    }
    error(value, message);
    return false;
  }
  out = static_cast<std::size_t>(it - names.begin());
  return true;
}

bool YamlReader::read_string_list(const YAML::Node& value, const std::string& path,
                                  std::vector<std::string>& out, std::vector<YAML::Mark>* marks) {
  if (value.IsNull()) return true;
  if (!value.IsSequence()) {
    error(value, path + ": expected a list of strings, got " + std::string(kind_name(value)) +
                     (value.IsScalar() ? " (write [" + value.Scalar() + "])" : ""));
    return false;
  }
  bool ok = true;
  std::size_t index = 0;
  for (const auto& item : value) {
    const std::string item_path = path + "[" + std::to_string(index++) + "]";
    if (!item.IsScalar() || item.Scalar().empty()) {
      error(item, item_path + ": expected a non-empty string, got " +
                      std::string(item.IsScalar() ? "an empty string" : kind_name(item)));
      ok = false;
      continue;
    }
    out.push_back(item.Scalar());
    if (marks != nullptr) marks->push_back(item.Mark());
  }
  return ok;
}

}  // namespace defender::policy

// YamlReader: reads typed values out of a yaml-cpp tree and records every problem with its
// place (FILE:LINE:COL) instead of stopping at the first. Internal to the loader.
// Not thread-safe; one per load.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "policy/decision.h"
#include "policy/loader.h"

namespace defender::policy {

// The candidate closest to `word` by edit distance, or "" when none is close enough.
std::string closest_word(std::string_view word, const std::vector<std::string_view>& candidates);

class YamlReader {
 public:
  YamlReader(std::string file, std::vector<Diagnostic>& errors, std::size_t max_errors)
      : file_(std::move(file)), errors_(errors), max_errors_(max_errors) {}

  const std::string& file() const { return file_; }
  void error(const YAML::Node& at, std::string message);
  void error(const YAML::Mark& at, std::string message);
  void error_in(const std::string& file, int line, int column, std::string message);

  using Handler = std::function<void(const YAML::Node& value, const std::string& path)>;
  struct Field {
    std::string_view key;
    Handler read;
  };
  // Runs the handler of each key present; reports unknown keys (with "did you mean"),
  // duplicate keys and non-map nodes. A null node (empty section) is an empty map.
  void read_map(const YAML::Node& node, const std::string& path, std::initializer_list<Field> fields);

  bool read_string(const YAML::Node& value, const std::string& path, std::string& out);
  bool read_bool(const YAML::Node& value, const std::string& path, bool& out);
  bool read_number(const YAML::Node& value, const std::string& path, double min, double max,
                   double& out);
  template <typename T>
  bool read_uint(const YAML::Node& value, const std::string& path, std::uint64_t min,
                 std::uint64_t max, T& out) {
    std::uint64_t wide = 0;
    if (!read_uint64(value, path, min, max, wide)) return false;
    out = static_cast<T>(wide);
    return true;
  }
  bool read_mode(const YAML::Node& value, const std::string& path, bool allow_ban, Mode& out);
  // One of `names`; out receives its index.
  bool read_choice(const YAML::Node& value, const std::string& path,
                   const std::vector<std::string_view>& names, std::size_t& out);
  // A sequence of strings. `marks` (optional) receives each item's place.
  bool read_string_list(const YAML::Node& value, const std::string& path,
                        std::vector<std::string>& out, std::vector<YAML::Mark>* marks = nullptr);

 private:
  bool read_uint64(const YAML::Node& value, const std::string& path, std::uint64_t min,
                   std::uint64_t max, std::uint64_t& out);
  bool expect_scalar(const YAML::Node& value, const std::string& path, std::string_view wanted);

  std::string file_;
  std::vector<Diagnostic>& errors_;
  std::size_t max_errors_;
};

}  // namespace defender::policy

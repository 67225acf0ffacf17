// Loading a policy file (YAML or JSON) into a validated Policy.
//
// Every problem in one run is collected, each with the place it was found
// ("policy.yaml:12:5: unknown key 'upstrem' (did you mean 'upstream'?)"). A policy with any
// error is never returned: callers print the errors and exit 2.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace defender::policy {

struct Diagnostic {
  std::string file;
  int line = 0;  // 1-based; 0 when the problem has no place (e.g. unreadable file)
  int column = 0;
  std::string message;
  std::string to_string() const;  // "FILE:LINE:COL: message"
};

struct LoadResult {
  std::shared_ptr<const Policy> policy;  // null when errors is non-empty
  std::vector<Diagnostic> errors;
  bool ok() const noexcept { return policy != nullptr; }
};

struct LoadOptions {
  std::size_t max_list_file_bytes = std::size_t{256} << 20;  // a list file larger is an error
  std::size_t max_errors = 200;                               // then "too many errors"
};

LoadResult load_policy_file(const std::string& path, const LoadOptions& options = {});
// `name` is used in messages; relative list paths resolve against `base_dir`.
LoadResult load_policy_text(std::string_view text, const std::string& name,
                            const std::string& base_dir, const LoadOptions& options = {});
// The policy used when none is given: everything allowed, CNAF protections at their defaults.
std::shared_ptr<const Policy> builtin_policy();

}  // namespace defender::policy

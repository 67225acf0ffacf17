// placeholder: being written
#include "policy/loader.h"

namespace defender::policy {

std::string Diagnostic::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

LoadResult load_policy_file(const std::string& path, const LoadOptions&) {
  LoadResult result;
  result.errors.push_back({path, 0, 0, "policy loading is not written yet"});
  return result;
}

std::shared_ptr<const Policy> builtin_policy() { return std::make_shared<Policy>(); }

}  // namespace defender::policy

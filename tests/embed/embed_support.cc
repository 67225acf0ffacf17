#include "tests/embed/embed_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "embed/bundle.h"
#include "tests/support/test_support.h"

namespace defender::embed::testing {

std::string static_defender() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("DEFENDER_STATIC_BIN"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  candidates.push_back(defender::testing::source_dir() + "/build-static/app/defender");
  for (const auto& path : candidates) {
    const auto is_static = is_static_elf(path);
    if (is_static && *is_static) return path;
  }
  return "";
}

bool have_program(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace defender::embed::testing

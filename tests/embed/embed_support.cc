#include "tests/embed/embed_support.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <vector>

#include "embed/bundle.h"
#include "tests/support/test_support.h"

namespace defender::embed::testing {

std::string static_defender() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("DEFENDER_STATIC_BIN"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
#ifdef EMBED_STATIC_DEFENDER
  candidates.emplace_back(EMBED_STATIC_DEFENDER);
#endif
  candidates.push_back(defender::testing::source_dir() + "/build-static/app/defender");
  for (const auto& path : candidates) {
    const auto is_static = is_static_elf(path);
    if (is_static && *is_static) return path;
  }
  return "";
}

std::string static_defender_missing(bool& expected) {
#ifdef EMBED_STATIC_DEFENDER
  expected = true;
  return std::string("the test build's static defender is missing: its build failed, see ") +
         std::filesystem::path(EMBED_STATIC_DEFENDER).parent_path().parent_path().string() +
         "/static-build.log";
#else
  expected = false;
  return "no static defender: run `make static` or set DEFENDER_STATIC_BIN (this test build has "
         "DEFENDER_TEST_STATIC=OFF)";
#endif
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

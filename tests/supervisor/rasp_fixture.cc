#include "tests/supervisor/rasp_fixture.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace defender::testing {

std::string exec_probe() {
  const char* value = std::getenv("EXEC_PROBE");
  if (value == nullptr) throw std::runtime_error("EXEC_PROBE is not set (run through ctest)");
  return value;
}

std::vector<std::string> rasp_argv(const std::vector<std::string>& argv, const std::vector<std::string>& extra) {
  std::vector<std::string> result{defender_bin(), "rasp", "--no-dns", "--no-cnaf", "--metrics-listen", ""};
  result.insert(result.end(), extra.begin(), extra.end());
  result.push_back("--");
  result.insert(result.end(), argv.begin(), argv.end());
  return result;
}

std::vector<nlohmann::json> read_events(const std::string& path) {
  std::vector<nlohmann::json> events;
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (!parsed.is_discarded()) events.push_back(std::move(parsed));
  }
  return events;
}

std::vector<nlohmann::json> process_events(const std::vector<nlohmann::json>& events, const std::string& path) {
  std::vector<nlohmann::json> result;
  for (const auto& event : events) {
    if (event.value("type", "") != "process") continue;
    if (!path.empty() && event.value("path", "") != path) continue;
    result.push_back(event);
  }
  return result;
}

std::string sh_quote(const std::string& word) {
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string sh_join(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) line += (line.empty() ? "" : " ") + sh_quote(word);
  return line;
}

bool namespaces_available(std::string* why) {
  if (::geteuid() != 0) {
    *why = "not root";
    return false;
  }
  const RunResult probe = run({"unshare", "--mount", "--pid", "--net", "--fork", "--mount-proc", "true"}, 10s);
  if (probe.status != 0) {
    *why = "unshare failed: " + probe.err;
    return false;
  }
  return true;
}

std::vector<std::string> in_namespaces(const std::string& script, const std::string& resolv_conf) {
  std::string prelude = "set -e; ip link set lo up; ";
  if (!resolv_conf.empty()) prelude += "mount --bind " + sh_quote(resolv_conf) + " /etc/resolv.conf; ";
  prelude += "set +e; ";
  return {"unshare", "--mount", "--pid", "--net", "--fork", "--mount-proc", "sh", "-c", prelude + script};
}

}  // namespace defender::testing

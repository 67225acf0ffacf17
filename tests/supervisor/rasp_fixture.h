// Helpers of the `defender rasp` integration tests: the binary's argv, the exec_probe helper,
// the events a run wrote, and running a shell script in fresh mount, PID and network
// namespaces (as a container runtime would) with lo up and a private resolv.conf.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

namespace defender::testing {

std::string exec_probe();  // $EXEC_PROBE (set by CMake)

// `defender rasp --no-dns --no-cnaf --metrics-listen "" [extra...] -- argv...`
std::vector<std::string> rasp_argv(const std::vector<std::string>& argv, const std::vector<std::string>& extra = {});

// The JSON lines of `path` (events.jsonl), unparsable lines skipped.
std::vector<nlohmann::json> read_events(const std::string& path);
// The events of `type` whose `path` field equals `path` (any when empty).
std::vector<nlohmann::json> process_events(const std::vector<nlohmann::json>& events, const std::string& path = "");

// Quotes one word for sh.
std::string sh_quote(const std::string& word);
std::string sh_join(const std::vector<std::string>& words);

// Whether `unshare --mount --pid --net --fork` works here (root); the reason when not.
bool namespaces_available(std::string* why);

// argv running `script` under sh in new mount/PID/net namespaces, with lo up and `resolv_conf`
// bind-mounted over /etc/resolv.conf (when not empty). The script's `exec` makes its last
// command PID 1.
std::vector<std::string> in_namespaces(const std::string& script, const std::string& resolv_conf = "");

}  // namespace defender::testing

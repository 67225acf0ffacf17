// ScriptedApp: `defender rasp` (plainly, --no-dns --no-cnaf, no metrics unless
// `--metrics-listen` is among the extra flags) running a shell as
// its app that executes the commands a test writes into a FIFO, one a line, and appends each
// command's exit status to a file (SIGHUP is trapped and counted): a long-running app a test can make exec things on demand
// (to see a reload, or a console's policy, take effect) without timing guesses.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/test_support.h"

namespace defender::testing {

// Polls `done` every 50 ms until it holds or `limit` passes; the last answer.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = 30s);

class ScriptedApp {
 public:
  // The policy file is written to folder/policy.yaml; DATA_FOLDER is `folder`; `env` added.
  ScriptedApp(const std::string& folder, const std::string& policy, const std::vector<std::string>& env = {},
              const std::vector<std::string>& extra_flags = {});
  ~ScriptedApp();  // SIGTERM, then SIGKILL by Process
  ScriptedApp(const ScriptedApp&) = delete;
  ScriptedApp& operator=(const ScriptedApp&) = delete;

  // Runs `command` (split on blanks by the shell) in the app; its exit status (126: the exec
  // was refused), -1 when the app did not take it or answer within 20 s.
  int exec(const std::string& command);
  // Asks the app to exit 0 (no answer awaited).
  bool quit();
  void write_policy(const std::string& policy) const;
  // How many SIGHUPs the app received (its shell traps them).
  std::size_t hangups() const;

  std::vector<nlohmann::json> events() const;  // of folder/events.jsonl
  bool has_event(const std::function<bool(const nlohmann::json&)>& match) const;
  Process& process() { return *process_; }

 private:
  bool send(const std::string& line);
  std::vector<int> statuses() const;

  std::string folder_;
  std::string fifo_;
  std::string statuses_;
  std::unique_ptr<Process> process_;
};

}  // namespace defender::testing

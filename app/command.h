// The subcommands of `defender`. Each file cmd_<name>.cc adds its CLI11 subcommand to the
// root and, when that subcommand is chosen, stores in `run` what main() then runs. main()
// returns what `run` returns: 0 success, 1 runtime error, 2 bad usage or bad policy.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "core/events.h"
#include "core/log.h"
#include "policy/loader.h"
#include "policy/policy.h"

namespace defender::app {

using Runner = std::function<int()>;

// --policy, --data-folder, --app-id, --log-level, shared by the commands that run something.
struct CommonOptions {
  std::string policy;
  std::string data_folder;
  std::string app_id;
  std::string log_level;
};
void add_common_options(CLI::App& command, CommonOptions& options);

// The common options after precedence: flag, then environment (DEFENDER_POLICY, DATA_FOLDER,
// RASP_DEFENDER_ID), then the policy file, then the default.
struct Settings {
  std::string policy_path;     // may name a file that does not exist when !policy_explicit
  bool policy_explicit = false;
  std::string data_folder;     // default "/rasp/"
  std::string app_id;          // may still be empty: then the policy's, then "defender"
  core::LogLevel log_level = core::LogLevel::info;
};
// Throws CLI::ValidationError on a bad --log-level (exit 2 with a message).
Settings resolve_settings(const CommonOptions& options);

// Loads the policy the settings name. Without an explicit policy and with no file at the
// default path, the built-in policy. On errors prints each as FILE:LINE:COL and returns null:
// the caller exits 2. Fills app_id from the policy when the flag and environment left it empty.
std::shared_ptr<const policy::Policy> load_policy_or_report(Settings& settings,
                                                            const core::Logger& log);

// The event log a command opens: the policy's events.file (relative to the data folder; "-"
// is stdout), its queue size and field limit, and the app id.
core::EventLog::Options event_log_options(const policy::Policy& policy, const Settings& settings);

// Prints each error as FILE:LINE:COL: message, then "FILE: N errors", on stderr.
void print_policy_errors(const std::string& file, const std::vector<policy::Diagnostic>& errors);

// Exit statuses.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitUsage = 2;

void add_policy_command(CLI::App& root, Runner& run);
void add_dns_command(CLI::App& root, Runner& run);
void add_cnaf_command(CLI::App& root, Runner& run);
void add_rasp_command(CLI::App& root, Runner& run);
void add_embed_command(CLI::App& root, Runner& run);
void add_console_command(CLI::App& root, Runner& run);

}  // namespace defender::app

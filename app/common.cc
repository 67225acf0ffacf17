#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/command.h"
#include "policy/loader.h"

namespace defender::app {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return (value != nullptr && *value != '\0') ? std::string(value) : fallback;
}

}  // namespace

void add_common_options(CLI::App& command, CommonOptions& options) {
  command.add_option("--policy", options.policy,
                     "policy file (default: $DEFENDER_POLICY, else $DATA_FOLDER/policy.yaml)");
  command.add_option("--data-folder", options.data_folder,
                     "writable folder for events and state (default: $DATA_FOLDER, else /rasp/)");
  command.add_option("--app-id", options.app_id,
                     "app id on every event (default: $RASP_DEFENDER_ID, else the policy's)");
  command.add_option("--log-level", options.log_level, "debug | info | warn | error (default info)");
}

Settings resolve_settings(const CommonOptions& options) {
  Settings settings;
  settings.data_folder =
      !options.data_folder.empty() ? options.data_folder : env_or("DATA_FOLDER", "/rasp/");
  if (!options.policy.empty()) {
    settings.policy_path = options.policy;
    settings.policy_explicit = true;
  } else if (const std::string env = env_or("DEFENDER_POLICY", ""); !env.empty()) {
    settings.policy_path = env;
    settings.policy_explicit = true;
  } else {
    settings.policy_path = (std::filesystem::path(settings.data_folder) / "policy.yaml").string();
  }
  settings.app_id = !options.app_id.empty() ? options.app_id : env_or("RASP_DEFENDER_ID", "");
  if (!options.log_level.empty()) {
    const auto level = core::parse_log_level(options.log_level);
    if (!level) {
      throw CLI::ValidationError("--log-level",
                                 "'" + options.log_level + "' is not one of debug, info, warn, error");
    }
    settings.log_level = *level;
  }
  return settings;
}

std::shared_ptr<const policy::Policy> load_policy_or_report(Settings& settings,
                                                            const core::Logger& log) {
  std::shared_ptr<const policy::Policy> loaded;
  std::error_code ec;
  if (!settings.policy_explicit && !std::filesystem::exists(settings.policy_path, ec)) {
    log.info("policy", "no policy at " + settings.policy_path + "; using the built-in policy");
    loaded = policy::builtin_policy();
  } else {
    policy::LoadResult result = policy::load_policy_file(settings.policy_path);
    if (!result.ok()) {
      print_policy_errors(settings.policy_path, result.errors);
      std::cerr << "nothing started\n";
      return nullptr;
    }
    loaded = std::move(result.policy);
  }
  if (settings.app_id.empty()) settings.app_id = loaded->app_id;
  if (settings.app_id.empty()) settings.app_id = "defender";
  return loaded;
}

core::EventLog::Options event_log_options(const policy::Policy& policy, const Settings& settings) {
  core::EventLog::Options options;
  const std::string& file = policy.events.file;
  if (file.empty() || file == "-") {
    options.path = "-";
  } else {
    const std::filesystem::path path(file);
    options.path = path.is_absolute() ? file : (std::filesystem::path(settings.data_folder) / path).string();
  }
  options.app_id = settings.app_id;
  options.queue_capacity = policy.events.queue_size;
  options.max_field_bytes = policy.events.max_field_bytes;
  return options;
}

void print_policy_errors(const std::string& file, const std::vector<policy::Diagnostic>& errors) {
  for (const auto& error : errors) std::cerr << error.to_string() << "\n";
  std::cerr << file << ": " << errors.size() << (errors.size() == 1 ? " error\n" : " errors\n");
}

}  // namespace defender::app

// `defender embed`: reads a Dockerfile and writes the embed bundle (SPEC.md "Embed bundle"):
// the augmented Dockerfile, the static defender and the validated policy, as a ZIP or a
// folder. The original Dockerfile is only read.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/command.h"
#include "embed/bundle.h"

namespace defender::app {
namespace {

struct EmbedFlags {
  std::string app_id;
  std::string data_folder = "/rasp/";
  std::string policy;
  std::string console;
  std::string install_bundle;
  std::string output;
  std::string output_dir;
  std::string entrypoint;
  std::string cmd;
  std::string base_user;
  std::string defender_binary;
  std::string dockerfile;
  bool print = false;
};

std::string self_exe() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : path.string();
}

// `--entrypoint '["a","b"]'`; "null" and "[]" both mean none.
bool parse_argv_flag(const std::string& flag, const std::string& text,
                     std::optional<embed::Argv>& out) {
  if (text.empty()) return true;
  if (text == "null") {
    out = embed::Argv{};
    return true;
  }
  embed::Argv argv;
  if (embed::parse_json_array(text, argv) != embed::JsonArray::kStrings) {
    std::cerr << "defender embed: " << flag << " '" << text
              << "': expected a JSON array of strings, e.g. '[\"docker-entrypoint.sh\"]' or '[]'\n";
    return false;
  }
  out = std::move(argv);
  return true;
}

int run_embed(const EmbedFlags& flags) {
  embed::BundleRequest request;
  request.options.app_id = flags.app_id;
  request.options.data_folder = flags.data_folder;
  request.options.console = flags.console;
  request.options.install_bundle = flags.install_bundle;
  if (!flags.base_user.empty()) request.options.base.user = flags.base_user;
  if (!parse_argv_flag("--entrypoint", flags.entrypoint, request.options.base.entrypoint) ||
      !parse_argv_flag("--cmd", flags.cmd, request.options.base.cmd)) {
    return kExitUsage;
  }
  if (auto problem = embed::validate_options(request.options)) {
    std::cerr << "defender embed: " << *problem << "\n";
    return kExitUsage;
  }
  if (!flags.output.empty() && !flags.output_dir.empty()) {
    std::cerr << "defender embed: give --output or --output-dir, not both\n";
    return kExitUsage;
  }

  std::ifstream in(flags.dockerfile, std::ios::binary);
  if (!in) {
    std::cerr << "defender embed: " << flags.dockerfile << ": cannot read\n";
    return kExitRuntime;
  }
  std::ostringstream text;
  text << in.rdbuf();
  request.dockerfile_text = text.str();
  request.dockerfile_name = flags.dockerfile;

  const std::string self = self_exe();
  request.policy_path = flags.policy;
  if (request.policy_path.empty()) {
    std::vector<std::string> searched;
    request.policy_path = embed::find_default_policy(self, searched);
    if (request.policy_path.empty()) {
      std::cerr << "defender embed: no --policy given and no default policy found (looked at";
      for (const auto& place : searched) std::cerr << " " << place;
      std::cerr << "); pass --policy FILE\n";
      return kExitUsage;
    }
  }
  // review mode (--print) needs no binary. A missing one is reported only after make_bundle has
  // judged the policy and the Dockerfile, so that their errors come first (a bad policy is the
  // error a user must see, whatever else is missing).
  std::string missing_binary;
  if (!flags.print) {
    const embed::BinaryChoice binary = embed::choose_defender_binary(flags.defender_binary, self);
    request.defender_binary = binary.path;
    if (binary.path.empty()) missing_binary = binary.error;
  }

  embed::BundleResult made = embed::make_bundle(request);
  if (!made.bundle) {
    for (const auto& message : made.error.messages) std::cerr << message << "\n";
    std::cerr << "defender embed: nothing written\n";
    return made.error.status;
  }
  if (!missing_binary.empty()) {
    std::cerr << "defender embed: " << missing_binary << "\n";
    return kExitRuntime;
  }
  const embed::Bundle& bundle = *made.bundle;
  for (const auto& note : bundle.rewrite.notes) std::cerr << "defender embed: note: " << note << "\n";
  if (flags.print) {
    std::cout << bundle.rewrite.dockerfile;
    return kExitOk;
  }
  std::error_code ec;
  std::optional<std::string> error;
  std::string where;
  if (!flags.output_dir.empty()) {
    where = flags.output_dir;
    error = embed::write_bundle_dir(bundle, flags.output_dir, flags.dockerfile);
  } else {
    where = flags.output.empty() ? "rasp_embed.zip" : flags.output;
    if (std::filesystem::exists(where, ec) && std::filesystem::equivalent(where, flags.dockerfile, ec)) {
      std::cerr << "defender embed: --output " << where << " is the original Dockerfile\n";
      return kExitUsage;
    }
    error = embed::write_bundle_zip(bundle, where);
  }
  if (error) {
    std::cerr << "defender embed: " << *error << "\n";
    return kExitRuntime;
  }
  std::cout << "wrote " << where << ": Dockerfile, defender, policy.yaml";
  for (std::size_t i = 3; i < bundle.files.size(); ++i) std::cout << ", " << bundle.files[i].name;
  // (files 0-2 are Dockerfile, defender, policy.yaml)
  std::cout << "\nthe image will run: " << embed::argv_to_json(bundle.rewrite.entrypoint) << "\n";
  return kExitOk;
}

}  // namespace

void add_embed_command(CLI::App& root, Runner& run) {
  auto flags = std::make_shared<EmbedFlags>();
  auto* command = root.add_subcommand(
      "embed", "write the embed bundle (augmented Dockerfile, static defender, policy) for an image");
  command->add_option("--app-id", flags->app_id, "app id on every event (RASP_DEFENDER_ID)")->required();
  command->add_option("--data-folder", flags->data_folder, "data folder in the image (default /rasp/)");
  command->add_option("--policy", flags->policy, "policy file (default: the project's conf/default.yaml)");
  command->add_option("--console", flags->console, "console address, wss://HOST:8084 (WS_ADDRESS)");
  command->add_option("--install-bundle", flags->install_bundle,
                      "the console's install bundle, base64 (INSTALL_BUNDLE: its CA and token)");
  command->add_option("--output", flags->output, "ZIP to write (default rasp_embed.zip)");
  command->add_option("--output-dir", flags->output_dir, "write the bundle into this folder instead");
  command->add_option("--entrypoint", flags->entrypoint,
                      "the base image's ENTRYPOINT as JSON, when the Dockerfile does not set one");
  command->add_option("--cmd", flags->cmd,
                      "the base image's CMD as JSON, when the Dockerfile does not set one");
  command->add_option("--base-user", flags->base_user,
                      "the base image's USER, when the Dockerfile does not set one");
  command->add_option("--defender-binary", flags->defender_binary,
                      "static defender to bundle (default: build-static/app/defender beside this one)");
  command->add_flag("--print", flags->print, "print the augmented Dockerfile; write nothing");
  command->add_option("dockerfile", flags->dockerfile, "the Dockerfile (only read)")->required();
  command->callback([&run, flags] { run = [flags] { return run_embed(*flags); }; });
}

}  // namespace defender::app

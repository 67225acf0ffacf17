// defender: one binary, one subcommand per part (SPEC.md "Commands").
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "app/command.h"

namespace {

using defender::app::kExitOk;
using defender::app::kExitUsage;

// Prints the help of `name` (a subcommand) or of the whole program.
int print_help(CLI::App& root, const std::string& name) {
  if (name.empty()) {
    std::cout << root.help();
    return kExitOk;
  }
  for (CLI::App* sub : root.get_subcommands({})) {
    if (sub->get_name() == name) {
      std::cout << sub->help();
      return kExitOk;
    }
  }
  std::cerr << "defender help: unknown command '" << name << "' (try 'defender help')\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App root{"RASP Defender: protects a container's app from the inside.\n"
                "Policy, events and flags: see the README and SPEC.md.",
                "defender"};
  root.require_subcommand(1, 1);
  root.fallthrough(false);

  defender::app::Runner run;
  defender::app::add_rasp_command(root, run);
  defender::app::add_dns_command(root, run);
  defender::app::add_cnaf_command(root, run);
  defender::app::add_embed_command(root, run);
  defender::app::add_policy_command(root, run);
  defender::app::add_console_command(root, run);

  root.add_subcommand("version", "print the version")->callback([&run] {
    run = [] {
      std::cout << "defender " << DEFENDER_VERSION << "\n";
      return kExitOk;
    };
  });
  std::string help_topic;
  auto* help = root.add_subcommand("help", "print help for defender or for one command");
  help->add_option("command", help_topic, "the command to explain");
  help->callback([&] { run = [&] { return print_help(root, help_topic); }; });

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // `--help` on a subcommand: print that subcommand's help.
    const auto chosen = root.get_subcommands();
    std::cout << (chosen.empty() ? root.help() : chosen.back()->help());
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return root.exit(e);
    std::cerr << "defender: " << e.what() << "\n"
              << "Run 'defender help' or 'defender COMMAND --help' for usage.\n";
    return kExitUsage;
  }
  return run ? run() : kExitUsage;
}

// defender: one binary, one subcommand per part (SPEC.md "Commands").
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/command.h"

namespace {

using defender::app::kExitOk;
using defender::app::kExitUsage;

// The subcommand chain the user typed, deepest last (root first).
std::vector<CLI::App*> chosen_chain(CLI::App& root) {
  std::vector<CLI::App*> chain{&root};
  for (;;) {
    const auto subs = chain.back()->get_subcommands();
    if (subs.empty()) return chain;
    chain.push_back(subs.front());
  }
}

std::string command_path(const std::vector<CLI::App*>& chain) {
  std::string path = "defender";
  for (std::size_t i = 1; i < chain.size(); ++i) path += " " + chain[i]->get_name();
  return path;
}

std::string help_of(CLI::App& app, const std::string& path) {
  return app.get_formatter()->make_help(&app, path, CLI::AppFormatMode::Normal);
}

// Prints the help of `name` (a subcommand) or of the whole program.
int print_help(CLI::App& root, const std::string& name) {
  if (name.empty()) {
    std::cout << help_of(root, "defender");
    return kExitOk;
  }
  for (CLI::App* sub : root.get_subcommands({})) {
    if (sub->get_name() == name) {
      std::cout << help_of(*sub, "defender " + name);
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

  if (argc > 1 && argv[1][0] != '-') {
    const std::string first = argv[1];
    const auto subs = root.get_subcommands({});
    if (std::none_of(subs.begin(), subs.end(), [&](CLI::App* sub) { return sub->get_name() == first; })) {
      std::cerr << "defender: unknown command '" << first << "'. Run 'defender help' for the list.\n";
      return kExitUsage;
    }
  }
  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // `--help` on a subcommand: print the help of the deepest one typed.
    const auto chain = chosen_chain(root);
    std::cout << help_of(*chain.back(), command_path(chain));
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return root.exit(e);
    const auto chain = chosen_chain(root);
    std::cerr << command_path(chain) << ": " << e.what() << "\n"
              << "Run '" << command_path(chain) << " --help' for usage.\n";
    return kExitUsage;
  }
  return run ? run() : kExitUsage;
}

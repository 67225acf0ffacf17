// `defender embed`: arrives with issue #7. Until then the command exists, says so, and
// fails with status 1 so that no script mistakes it for a working embed.
#include <iostream>

#include "app/command.h"

namespace defender::app {

void add_embed_command(CLI::App& root, Runner& run) {
  auto* command = root.add_subcommand("embed", "(not built yet: issue #7)");
  command->allow_extras();
  command->callback([&run] {
    run = [] {
      std::cerr << "defender embed: not available in this build yet\n";
      return kExitRuntime;
    };
  });
}

}  // namespace defender::app

// `defender console`: arrives with issue #8. Until then the command exists, says so, and
// fails with status 1 so that no script mistakes it for a working console.
#include <iostream>

#include "app/command.h"

namespace defender::app {

void add_console_command(CLI::App& root, Runner& run) {
  auto* command = root.add_subcommand("console", "(not built yet: issue #8)");
  command->allow_extras();
  command->callback([&run] {
    run = [] {
      std::cerr << "defender console: not available in this build yet\n";
      return kExitRuntime;
    };
  });
}

}  // namespace defender::app

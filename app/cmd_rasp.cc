// `defender rasp`: arrives with issue #6. Until then the command exists, says so, and
// fails with status 1 so that no script mistakes it for a working rasp.
#include <iostream>

#include "app/command.h"

namespace defender::app {

void add_rasp_command(CLI::App& root, Runner& run) {
  auto* command = root.add_subcommand("rasp", "(not built yet: issue #6)");
  command->allow_extras();
  command->callback([&run] {
    run = [] {
      std::cerr << "defender rasp: not available in this build yet\n";
      return kExitRuntime;
    };
  });
}

}  // namespace defender::app

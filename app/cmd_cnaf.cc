// `defender cnaf`: arrives with issue #4. Until then the command exists, says so, and
// fails with status 1 so that no script mistakes it for a working cnaf.
#include <iostream>

#include "app/command.h"

namespace defender::app {

void add_cnaf_command(CLI::App& root, Runner& run) {
  auto* command = root.add_subcommand("cnaf", "(not built yet: issue #4)");
  command->allow_extras();
  command->callback([&run] {
    run = [] {
      std::cerr << "defender cnaf: not available in this build yet\n";
      return kExitRuntime;
    };
  });
}

}  // namespace defender::app

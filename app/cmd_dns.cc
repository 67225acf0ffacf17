// `defender dns`: arrives with issue #3. Until then the command exists, says so, and
// fails with status 1 so that no script mistakes it for a working dns.
#include <iostream>

#include "app/command.h"

namespace defender::app {

void add_dns_command(CLI::App& root, Runner& run) {
  auto* command = root.add_subcommand("dns", "(not built yet: issue #3)");
  command->allow_extras();
  command->callback([&run] {
    run = [] {
      std::cerr << "defender dns: not available in this build yet\n";
      return kExitRuntime;
    };
  });
}

}  // namespace defender::app

// placeholder: being written
#include "app/command.h"
namespace defender::app {
void add_policy_command(CLI::App& root, Runner& run) { (void)root; (void)run; }
}  // namespace defender::app

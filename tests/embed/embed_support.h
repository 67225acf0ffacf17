// Helpers shared by the embed tests that need a static defender or containers.
#pragma once

#include <string>

namespace defender::embed::testing {

// A fully static defender: $DEFENDER_STATIC_BIN, else build-static/app/defender of
// `make static` in the source tree; "" when there is none (tests then skip, saying so).
std::string static_defender();

// True when `program` is found on PATH.
bool have_program(const std::string& program);

}  // namespace defender::embed::testing

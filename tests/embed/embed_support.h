// Helpers shared by the embed tests that need a static defender or containers.
#pragma once

#include <string>

namespace defender::embed::testing {

// A fully static defender: $DEFENDER_STATIC_BIN, else the one the test build made
// (tests/embed builds it like `make static` unless DEFENDER_TEST_STATIC=OFF), else
// build-static/app/defender of `make static`; "" when there is none.
std::string static_defender();

// Why static_defender() found none, for the skip or failure message; `expected` is true when
// the test build was meant to make one (then its absence is a failure, not a skip).
std::string static_defender_missing(bool& expected);

// True when `program` is found on PATH.
bool have_program(const std::string& program);

}  // namespace defender::embed::testing

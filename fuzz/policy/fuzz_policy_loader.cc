// libFuzzer: any bytes as a policy file must give a policy or errors, never a crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = defender::policy::load_policy_text(text, "fuzz.yaml", "/nonexistent");
  if (result.ok() == !result.errors.empty()) __builtin_trap();  // exactly one of them
  for (const auto& error : result.errors) {
    if (error.message.empty()) __builtin_trap();
  }
  return 0;
}

// The WAF's protections (SPEC.md cnaf.protections) as a compact enum, with their policy names.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace defender::cnaf::waf {

enum class Protection : std::uint8_t {
  sqli, xss, cmdi, code_injection, lfi, shellshock, scanners, protocol, rfi, ssrf, nosqli, xxe,
};
inline constexpr std::size_t kProtectionCount = 12;

inline constexpr std::array<std::string_view, kProtectionCount> kProtectionNames = {
    "sqli", "xss", "cmdi", "code_injection", "lfi", "shellshock",
    "scanners", "protocol", "rfi", "ssrf", "nosqli", "xxe"};

constexpr std::string_view to_string(Protection p) noexcept {
  return kProtectionNames[static_cast<std::size_t>(p)];
}

}  // namespace defender::cnaf::waf

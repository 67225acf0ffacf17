#include "cnaf/waf/inspected.h"

#include <array>

namespace defender::cnaf::waf {

std::uint32_t char_mask(std::string_view text) noexcept {
  std::uint32_t m = 0;
  for (const char c : text) m |= kCharClass[static_cast<unsigned char>(c)];
  return m;
}

bool cmdi_possible(const Inspected& v) noexcept { return cmdi_possible(v.mask, v.lower); }

bool cmdi_possible(std::uint32_t mask, std::string_view s) noexcept {
  constexpr std::uint32_t kWordy = kAlpha | kDigit | kSpace | kComma | kDot | kEq | kDash | kHigh;
  if ((mask & ~kWordy) != 0 || (mask & kNewline) != 0) return true;
  // Characters without a class bit ('_' '+' '~' '!' '?' '^') may still be there: they only
  // matter to the detector after a known program, which the first word decides.
  std::size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
  std::size_t e = b;
  while (e < s.size() && ((s[e] >= 'a' && s[e] <= 'z') || (s[e] >= '0' && s[e] <= '9'))) ++e;
  const std::string_view first = s.substr(b, e - b);
  // Statements and wrappers read at the start (batch if/for; time, nohup, env, sudo, strace,
  // xargs, timeout) and the programs of the detector's dangerous invocations.
  static constexpr std::array<std::string_view, 38> kFirst = {
      "if", "for", "time", "nohup", "env", "sudo", "strace", "xargs", "timeout", "wget", "curl",
      "socat", "bash", "sh", "zsh", "ksh", "nc", "ncat", "netcat", "python", "python2",
      "python3", "perl", "ruby", "php", "node", "powershell", "pwsh", "rm", "certutil", "cmd",
      "type", "bitsadmin", "mkfifo", "cat", "dash", "csh", "alias"};
  // The short ones as 8-byte integers (load_le: a word of 8 bytes or less, no NUL, is its
  // bytes) in an open-addressing set, a quarter full (the first word of every value is looked
  // up: one probe or two).
  static constexpr std::size_t kSlots = 128;
  static constexpr auto slot_of = [](std::uint64_t w) { return static_cast<std::size_t>((w * 0x9E3779B97F4A7C15ull) >> 57); };
  static constexpr auto kSet = [] {
    std::array<std::uint64_t, kSlots> set{};
    for (const auto word : kFirst) {
      if (word.size() > 8) continue;
      const std::uint64_t w = load_le(word, 0, word.size());
      std::size_t slot = slot_of(w);
      while (set[slot] != 0) slot = (slot + 1) % kSlots;
      set[slot] = w;
    }
    return set;
  }();
  if (first.size() <= 8) {
    const std::uint64_t w = load_le(first, 0, first.size());
    for (std::size_t slot = slot_of(w); w != 0 && kSet[slot] != 0; slot = (slot + 1) % kSlots)
      if (kSet[slot] == w) return true;
  } else {
    for (const auto w : kFirst)
      if (first == w) return true;
  }
  // PowerShell cmdlets and .NET names, anywhere in the value.
  if ((mask & kDash) != 0) {
    for (const std::string_view n : {"-wrapper", "invoke-", "-encodedcommand", "start-process", "set-mppreference"}) {
      if (s.find(n) != std::string_view::npos) return true;
    }
  }
  return (mask & kDot) != 0 && s.find("net.webclient") != std::string_view::npos;
}

}  // namespace defender::cnaf::waf

// CidrSet: IPv4 and IPv6 prefixes, answering "which rule contains this address".
// IPv4 is held as IPv4-mapped IPv6, so one lookup serves both families. Prefixes are kept
// longest first and scanned in order, so the most specific prefix wins. Access lists are
// short (tens of entries); a lookup costs a few ns per prefix.
// Immutable after build; safe from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace defender::policy {

using Ip6 = std::array<std::uint8_t, 16>;

// "10.0.0.1", "::1", "::ffff:1.2.3.4" -> 16 bytes (IPv4 mapped). nullopt when malformed.
std::optional<Ip6> parse_ip(std::string_view text) noexcept;

class CidrSet {
 public:
  // Adds "ADDR/LEN" or a bare address (a host). Returns an error message when malformed.
  std::optional<std::string> add(std::string_view cidr, std::uint32_t rule_index);
  // Index of the most specific prefix containing `addr`, or nullopt.
  std::optional<std::uint32_t> match(const Ip6& addr) const noexcept;
  std::optional<std::uint32_t> match(std::string_view addr) const noexcept;
  bool empty() const noexcept { return prefixes_.empty(); }
  std::size_t size() const noexcept { return prefixes_.size(); }

 private:
  struct Prefix {
    Ip6 addr;
    std::uint8_t len;  // 0-128 on the mapped form
    std::uint32_t rule;
  };
  std::vector<Prefix> prefixes_;  // longest prefix first
};

}  // namespace defender::policy

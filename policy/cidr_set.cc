#include "policy/cidr_set.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

namespace defender::policy {
namespace {

Ip6 mask(Ip6 addr, unsigned len) noexcept {
  for (unsigned byte = 0; byte < 16; ++byte) {
    const unsigned bits_before = byte * 8;
    if (len >= bits_before + 8) continue;
    const unsigned keep = len > bits_before ? len - bits_before : 0;
    addr[byte] &= static_cast<std::uint8_t>(keep == 0 ? 0 : (0xFF << (8 - keep)) & 0xFF);
  }
  return addr;
}

}  // namespace

std::optional<Ip6> parse_ip(std::string_view text) noexcept {
  if (text.empty() || text.size() > 63) return std::nullopt;
  char buffer[64];
  std::copy(text.begin(), text.end(), buffer);
  buffer[text.size()] = '\0';
  Ip6 out{};
  in_addr v4{};
  if (inet_pton(AF_INET, buffer, &v4) == 1) {
    out[10] = out[11] = 0xFF;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  if (inet_pton(AF_INET6, buffer, out.data()) == 1) return out;
  return std::nullopt;
}

std::optional<std::string> CidrSet::add(std::string_view cidr, std::uint32_t rule_index) {
  const std::size_t slash = cidr.find('/');
  const std::string_view addr_text = cidr.substr(0, slash);
  const auto addr = parse_ip(addr_text);
  if (!addr) return "'" + std::string(addr_text) + "' is not an IPv4 or IPv6 address";
  const bool v4 = addr_text.find(':') == std::string_view::npos;
  unsigned len = 128;
  if (slash != std::string_view::npos) {
    const std::string_view len_text = cidr.substr(slash + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), value);
    const unsigned max = v4 ? 32 : 128;
    if (ec != std::errc() || end != len_text.data() + len_text.size() || len_text.empty() ||
        value > max) {
      return "prefix length '" + std::string(len_text) + "' must be 0-" + std::to_string(max);
    }
    len = v4 ? 96 + value : value;
  }
  const Ip6 base = mask(*addr, len);
  if (base != *addr) {
    return "'" + std::string(cidr) + "' has host bits set (did you mean the network address?)";
  }
  Prefix prefix{base, static_cast<std::uint8_t>(len), rule_index};
  // Keep prefixes ordered longest first, so the first hit is the most specific one.
  const auto at = std::upper_bound(prefixes_.begin(), prefixes_.end(), prefix,
                                   [](const Prefix& a, const Prefix& b) { return a.len > b.len; });
  prefixes_.insert(at, prefix);
  return std::nullopt;
}

std::optional<std::uint32_t> CidrSet::match(const Ip6& addr) const noexcept {
  for (const Prefix& prefix : prefixes_) {
    if (mask(addr, prefix.len) == prefix.addr) return prefix.rule;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> CidrSet::match(std::string_view addr) const noexcept {
  const auto parsed = parse_ip(addr);
  if (!parsed) return std::nullopt;
  return match(*parsed);
}

}  // namespace defender::policy

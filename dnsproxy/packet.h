// DNS wire format for the hot path: a bounds-checked reader of the header, the question and
// the EDNS OPT record of a query, a walker over the resource records of an answer, and the
// builders of the answers the proxy makes itself (blocked, FORMERR, SERVFAIL, NOTIMP).
//
// Everything here is pure and allocation-free: callers pass byte spans and fixed buffers.
// Every length and compression pointer is checked; malformed input gives a status, never a
// crash, a loop or a read past the end. ldns is not used on this path: it allocates per
// packet, which costs more than the whole forward (see bench/dnsproxy/).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "policy/policy.h"

namespace defender::dnsproxy {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxNameWire = 255;  // RFC 1035 2.3.4
inline constexpr std::size_t kMaxUdpPayload = 65535;
inline constexpr std::uint16_t kClassIn = 1;

namespace rr {
inline constexpr std::uint16_t a = 1, ns = 2, cname = 5, soa = 6, ptr = 12, mx = 15, txt = 16,
                               aaaa = 28, srv = 33, dname = 39, opt = 41, https = 65, any = 255;
}  // namespace rr

enum class Rcode : std::uint8_t {
  noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5
};

// Flag bits of the header's third and fourth bytes.
namespace flag {
inline constexpr std::uint16_t qr = 0x8000, aa = 0x0400, tc = 0x0200, rd = 0x0100, ra = 0x0080,
                               ad = 0x0020, cd = 0x0010;
}  // namespace flag

struct Header {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::uint16_t qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  std::uint8_t opcode() const noexcept { return static_cast<std::uint8_t>((flags >> 11) & 0xF); }
  Rcode rcode() const noexcept { return static_cast<Rcode>(flags & 0xF); }
  bool response() const noexcept { return (flags & flag::qr) != 0; }
  bool truncated() const noexcept { return (flags & flag::tc) != 0; }
};

// A domain name decoded from the wire: the lower-cased uncompressed wire form (for comparing
// and cache keys) and the dotted text without trailing dot ("" for the root), bytes as sent.
struct Name {
  std::array<std::uint8_t, kMaxNameWire> wire{};
  std::uint16_t wire_len = 0;
  std::array<char, kMaxNameWire> text{};
  std::uint16_t text_len = 0;

  std::string_view text_view() const noexcept { return {text.data(), text_len}; }
  std::span<const std::uint8_t> wire_view() const noexcept { return {wire.data(), wire_len}; }
  bool operator==(const Name& other) const noexcept;  // case-insensitive (wire is lower-cased)
};

struct Question {
  Name name;
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  std::size_t offset = 0;  // where the question starts in the packet
  std::size_t end = 0;     // one past its class field
};

struct Edns {
  bool present = false;
  std::uint16_t udp_size = 512;
  bool do_bit = false;
  std::uint8_t version = 0;
};

struct Query {
  Header header;
  Question question;
  Edns edns;
  // Largest answer a UDP client accepts: 512, or its EDNS size (at least 512).
  std::size_t udp_limit() const noexcept {
    return edns.present && edns.udp_size > 512 ? edns.udp_size : 512;
  }
};

enum class ParseStatus : std::uint8_t {
  ok,
  too_short,    // not even a header: drop
  not_query,    // QR set: drop (never answer answers)
  bad_opcode,   // header readable, opcode is not QUERY: NOTIMP
  malformed,    // header readable, the rest is not: FORMERR
};

std::string_view to_string(ParseStatus status) noexcept;

// Reads a header. False when `packet` is shorter than a header.
bool read_header(std::span<const std::uint8_t> packet, Header& out) noexcept;

// Decodes the name at `offset` (following compression pointers, which must point backwards),
// storing it in `out`. Returns the offset after the name as it sits at `offset`, or 0 when
// the name is malformed (bad label type, pointer loop or forward pointer, over 255 bytes,
// out of bounds).
std::size_t read_name(std::span<const std::uint8_t> packet, std::size_t offset, Name& out) noexcept;

// Skips the name at `offset` without decoding it; 0 when malformed.
std::size_t skip_name(std::span<const std::uint8_t> packet, std::size_t offset) noexcept;

// Parses a query: header, exactly one question, and the OPT record among the additional
// records (the answer and authority sections, normally empty, are skipped but checked).
ParseStatus parse_query(std::span<const std::uint8_t> packet, Query& out) noexcept;

// One resource record as the walker sees it.
struct Record {
  enum class Section : std::uint8_t { answer, authority, additional };
  Section section = Section::answer;
  std::size_t name_offset = 0;
  std::uint16_t type = 0;
  std::uint16_t rclass = 0;
  std::uint32_t ttl = 0;
  std::size_t ttl_offset = 0;  // where the TTL sits, for rewriting it
  std::size_t rdata_offset = 0;
  std::uint16_t rdlength = 0;
};

// Walks every record of a message after its questions, calling `visit(const Record&)` on
// each; a visit returning false stops the walk. Returns false when the message is malformed
// (the records visited before the fault were valid).
template <typename Visit>
bool walk_records(std::span<const std::uint8_t> packet, Visit&& visit) noexcept;

// The answer the proxy gives itself. All write into `out` (at least 512 bytes; bigger
// queries' questions need up to kHeaderSize + 259 + 11) and return the length, 0 if `out`
// is too small. The question and id are echoed, RD copied, RA set; EDNS is mirrored (our
// size 1232, the query's DO bit) when the query had it.
std::size_t build_blocked(const Query& query, std::span<const std::uint8_t> packet,
                          policy::BlockedAnswer kind, std::span<std::uint8_t> out) noexcept;
std::size_t build_error(const Query& query, std::span<const std::uint8_t> packet, Rcode rcode,
                        std::span<std::uint8_t> out) noexcept;
// FORMERR/NOTIMP for a query whose question could not be parsed: the header alone.
std::size_t build_header_error(const Header& header, Rcode rcode, std::span<std::uint8_t> out) noexcept;

// Whether `answer`'s question is exactly `question` (name case-insensitively, type, class).
bool same_question(std::span<const std::uint8_t> answer, const Question& question) noexcept;

inline std::uint16_t load16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline void store16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// "A", "AAAA", ... or "TYPE123".
std::string type_name(std::uint16_t qtype);
// The name's text with bytes outside printable ASCII, and '\\', escaped as \DDD (for events).
std::string printable_name(const Name& name);

// ---- implementation of the template ----

template <typename Visit>
bool walk_records(std::span<const std::uint8_t> packet, Visit&& visit) noexcept {
  Header header;
  if (!read_header(packet, header)) return false;
  std::size_t offset = kHeaderSize;
  for (unsigned i = 0; i < header.qdcount; ++i) {
    offset = skip_name(packet, offset);
    if (offset == 0 || offset + 4 > packet.size()) return false;
    offset += 4;
  }
  const unsigned counts[3] = {header.ancount, header.nscount, header.arcount};
  for (int s = 0; s < 3; ++s) {
    for (unsigned i = 0; i < counts[s]; ++i) {
      Record record;
      record.section = static_cast<Record::Section>(s);
      record.name_offset = offset;
      offset = skip_name(packet, offset);
      if (offset == 0 || offset + 10 > packet.size()) return false;
      const std::uint8_t* p = packet.data() + offset;
      record.type = load16(p);
      record.rclass = load16(p + 2);
      record.ttl_offset = offset + 4;
      record.ttl = load32(p + 4);
      record.rdlength = load16(p + 8);
      record.rdata_offset = offset + 10;
      offset += 10;
      if (record.rdlength > packet.size() - offset) return false;
      offset += record.rdlength;
      if (!visit(static_cast<const Record&>(record))) return true;
    }
  }
  return true;
}

}  // namespace defender::dnsproxy

#include "dnsproxy/packet.h"

#include <algorithm>
#include <cstring>

namespace defender::dnsproxy {
namespace {

constexpr int kMaxPointerHops = 64;  // a legal name has at most 127 labels; pointers fewer

std::uint8_t lower(std::uint8_t c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + ('a' - 'A')) : c;
}

// Appends an OPT record mirroring the query's EDNS (our payload size, its DO bit).
std::size_t append_opt(const Query& query, std::span<std::uint8_t> out, std::size_t at) noexcept {
  if (at + 11 > out.size()) return 0;
  std::uint8_t* p = out.data() + at;
  p[0] = 0;                      // root name
  store16(p + 1, rr::opt);
  store16(p + 3, 1232);          // our UDP payload size (DNS flag day 2020)
  p[5] = 0;                      // extended rcode
  p[6] = 0;                      // version 0
  store16(p + 7, query.edns.do_bit ? 0x8000 : 0);
  store16(p + 9, 0);             // no options
  return at + 11;
}

// Header + question of an answer to `query`; returns the offset after the question.
std::size_t start_answer(const Query& query, std::span<const std::uint8_t> packet, Rcode rcode,
                         std::span<std::uint8_t> out) noexcept {
  const std::size_t question_len = query.question.end - query.question.offset;
  if (query.question.end > packet.size() || kHeaderSize + question_len > out.size()) return 0;
  std::uint8_t* p = out.data();
  store16(p, query.header.id);
  const std::uint16_t flags = static_cast<std::uint16_t>(
      flag::qr | (query.header.flags & (0x7800 | flag::rd | flag::cd)) | flag::ra |
      static_cast<std::uint16_t>(rcode));
  store16(p + 2, flags);
  store16(p + 4, 1);
  store16(p + 6, 0);
  store16(p + 8, 0);
  store16(p + 10, query.edns.present ? 1 : 0);
  // The question as the client wrote it (its case, uncompressed: a question in a query can
  // only point into the header, which parse_query refuses).
  std::memcpy(p + kHeaderSize, packet.data() + query.question.offset, question_len);
  return kHeaderSize + question_len;
}

}  // namespace

bool Name::operator==(const Name& other) const noexcept {
  return wire_len == other.wire_len && std::memcmp(wire.data(), other.wire.data(), wire_len) == 0;
}

std::string_view to_string(ParseStatus status) noexcept {
  switch (status) {
    case ParseStatus::ok: return "ok";
    case ParseStatus::too_short: return "shorter than a header";
    case ParseStatus::not_query: return "not a query";
    case ParseStatus::bad_opcode: return "opcode not supported";
    case ParseStatus::malformed: return "malformed";
  }
  return "malformed";
}

bool read_header(std::span<const std::uint8_t> packet, Header& out) noexcept {
  if (packet.size() < kHeaderSize) return false;
  const std::uint8_t* p = packet.data();
  out.id = load16(p);
  out.flags = load16(p + 2);
  out.qdcount = load16(p + 4);
  out.ancount = load16(p + 6);
  out.nscount = load16(p + 8);
  out.arcount = load16(p + 10);
  return true;
}

std::size_t read_name(std::span<const std::uint8_t> packet, std::size_t offset, Name& out) noexcept {
  out.wire_len = 0;
  out.text_len = 0;
  std::size_t pos = offset;
  std::size_t end_after = 0;  // where the name ends in place (after its first pointer)
  // Each compression pointer must aim strictly before the previous one (and the first before
  // itself): targets strictly decrease, so there are no loops and the walk is bounded.
  std::size_t limit = 0;
  int hops = 0;
  for (;;) {
    if (pos >= packet.size()) return 0;
    const std::uint8_t len = packet[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= packet.size()) return 0;
      const std::size_t target = (static_cast<std::size_t>(len & 0x3F) << 8) | packet[pos + 1];
      if (end_after == 0) {
        end_after = pos + 2;
        limit = pos;
      }
      if (target >= limit || ++hops > kMaxPointerHops) return 0;
      limit = target;
      pos = target;
      continue;
    }
    if ((len & 0xC0) != 0) return 0;  // 0x40/0x80 label types: obsolete or unknown
    if (len == 0) {
      out.wire[out.wire_len++] = 0;  // room kept by the check below
      return end_after != 0 ? end_after : pos + 1;
    }
    if (pos + 1 + len > packet.size()) return 0;
    if (out.wire_len + 1u + len + 1u > kMaxNameWire) return 0;  // this label and the root
    out.wire[out.wire_len++] = len;
    if (out.text_len != 0) out.text[out.text_len++] = '.';
    for (std::size_t i = 0; i < len; ++i) {
      const std::uint8_t c = packet[pos + 1 + i];
      out.wire[out.wire_len++] = lower(c);
      out.text[out.text_len++] = static_cast<char>(c);
    }
    pos += 1 + len;
  }
}

std::size_t skip_name(std::span<const std::uint8_t> packet, std::size_t offset) noexcept {
  std::size_t pos = offset;
  std::size_t total = 0;
  for (;;) {
    if (pos >= packet.size()) return 0;
    const std::uint8_t len = packet[pos];
    if ((len & 0xC0) == 0xC0) return pos + 2 <= packet.size() ? pos + 2 : 0;
    if ((len & 0xC0) != 0) return 0;
    total += 1u + len;
    if (total > kMaxNameWire) return 0;
    if (len == 0) return pos + 1;
    pos += 1 + len;
  }
}

ParseStatus parse_query(std::span<const std::uint8_t> packet, Query& out) noexcept {
  if (!read_header(packet, out.header)) return ParseStatus::too_short;
  if (out.header.response()) return ParseStatus::not_query;
  if (out.header.opcode() != 0) return ParseStatus::bad_opcode;
  if (out.header.qdcount != 1) return ParseStatus::malformed;
  out.edns = Edns{};
  Question& q = out.question;
  q.offset = kHeaderSize;
  // A question sits right after the header: a pointer in it could only aim at the header.
  const std::size_t after_name = read_name(packet, kHeaderSize, q.name);
  if (after_name == 0 || after_name + 4 > packet.size()) return ParseStatus::malformed;
  if (after_name != kHeaderSize + q.name.wire_len) return ParseStatus::malformed;  // a pointer
  q.qtype = load16(packet.data() + after_name);
  q.qclass = load16(packet.data() + after_name + 2);
  q.end = after_name + 4;
  if (out.header.ancount == 0 && out.header.nscount == 0 && out.header.arcount == 0) {
    return ParseStatus::ok;
  }
  bool ok_opt = true;
  int opt_count = 0;
  const bool ok = walk_records(packet, [&](const Record& record) {
    if (record.type != rr::opt) return true;
    if (record.section != Record::Section::additional || packet[record.name_offset] != 0 ||
        ++opt_count > 1) {
      ok_opt = false;  // RFC 6891 6.1.1: one OPT, root owner, additional section
      return false;
    }
    out.edns.present = true;
    out.edns.udp_size = record.rclass;
    out.edns.version = static_cast<std::uint8_t>(record.ttl >> 16);
    out.edns.do_bit = (record.ttl & 0x8000) != 0;
    return true;
  });
  return ok && ok_opt ? ParseStatus::ok : ParseStatus::malformed;
}

std::size_t build_blocked(const Query& query, std::span<const std::uint8_t> packet,
                          policy::BlockedAnswer kind, std::span<std::uint8_t> out) noexcept {
  Rcode rcode = Rcode::noerror;
  std::size_t rdlength = 0;
  switch (kind) {
    case policy::BlockedAnswer::nxdomain: rcode = Rcode::nxdomain; break;
    case policy::BlockedAnswer::refused: rcode = Rcode::refused; break;
    case policy::BlockedAnswer::nodata: break;
    case policy::BlockedAnswer::null_ip:
      if (query.question.qclass == kClassIn && query.question.qtype == rr::a) rdlength = 4;
      if (query.question.qclass == kClassIn && query.question.qtype == rr::aaaa) rdlength = 16;
      break;
  }
  std::size_t at = start_answer(query, packet, rcode, out);
  if (at == 0) return 0;
  if (rdlength != 0) {
    if (at + 12 + rdlength > out.size()) return 0;
    std::uint8_t* p = out.data() + at;
    store16(p, 0xC000 | kHeaderSize);  // the question's name
    store16(p + 2, query.question.qtype);
    store16(p + 4, kClassIn);
    store32(p + 6, 60);
    store16(p + 10, static_cast<std::uint16_t>(rdlength));
    std::memset(p + 12, 0, rdlength);
    at += 12 + rdlength;
    store16(out.data() + 6, 1);
  }
  if (query.edns.present) at = append_opt(query, out, at);
  return at;
}

std::size_t build_error(const Query& query, std::span<const std::uint8_t> packet, Rcode rcode,
                        std::span<std::uint8_t> out) noexcept {
  std::size_t at = start_answer(query, packet, rcode, out);
  if (at == 0) return 0;
  if (query.edns.present) at = append_opt(query, out, at);
  return at;
}

std::size_t build_header_error(const Header& header, Rcode rcode, std::span<std::uint8_t> out) noexcept {
  if (out.size() < kHeaderSize) return 0;
  std::uint8_t* p = out.data();
  store16(p, header.id);
  store16(p + 2, static_cast<std::uint16_t>(flag::qr | (header.flags & (0x7800 | flag::rd)) |
                                            flag::ra | static_cast<std::uint16_t>(rcode)));
  std::memset(p + 4, 0, 8);
  return kHeaderSize;
}

bool same_question(std::span<const std::uint8_t> answer, const Question& question) noexcept {
  Header header;
  if (!read_header(answer, header) || header.qdcount != 1) return false;
  Name name;
  const std::size_t end = read_name(answer, kHeaderSize, name);
  if (end == 0 || end + 4 > answer.size()) return false;
  return name == question.name && load16(answer.data() + end) == question.qtype &&
         load16(answer.data() + end + 2) == question.qclass;
}

std::string type_name(std::uint16_t qtype) {
  switch (qtype) {
    case rr::a: return "A";
    case rr::ns: return "NS";
    case rr::cname: return "CNAME";
    case rr::soa: return "SOA";
    case rr::ptr: return "PTR";
    case rr::mx: return "MX";
    case rr::txt: return "TXT";
    case rr::aaaa: return "AAAA";
    case rr::srv: return "SRV";
    case rr::dname: return "DNAME";
    case rr::https: return "HTTPS";
    case 64: return "SVCB";
    case rr::any: return "ANY";
    default: return "TYPE" + std::to_string(qtype);
  }
}

std::string printable_name(const Name& name) {
  std::string out;
  out.reserve(name.text_len + 1);
  for (std::size_t i = 0; i < name.text_len; ++i) {
    const auto c = static_cast<unsigned char>(name.text[i]);
    if (c > 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buffer[8];
      buffer[0] = '\\';
      buffer[1] = static_cast<char>('0' + c / 100);
      buffer[2] = static_cast<char>('0' + (c / 10) % 10);
      buffer[3] = static_cast<char>('0' + c % 10);
      out.append(buffer, 4);
    }
  }
  if (out.empty()) out = ".";
  return out;
}

}  // namespace defender::dnsproxy

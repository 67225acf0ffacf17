#include "tests/dnsproxy/dns_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnsproxy/packet.h"

namespace defender::dnsproxy::testing {
namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool wait_readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

}  // namespace

std::vector<std::uint8_t> make_query(const std::string& name, std::uint16_t qtype,
                                     const QueryOptions& options) {
  std::vector<std::uint8_t> out(12, 0);
  store16(out.data(), options.id);
  store16(out.data() + 2, options.rd ? flag::rd : 0);
  store16(out.data() + 4, 1);
  store16(out.data() + 10, options.edns ? 1 : 0);
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  out.push_back(static_cast<std::uint8_t>(qtype >> 8));
  out.push_back(static_cast<std::uint8_t>(qtype));
  out.push_back(static_cast<std::uint8_t>(options.qclass >> 8));
  out.push_back(static_cast<std::uint8_t>(options.qclass));
  if (options.edns) {
    const std::uint8_t opt[11] = {0, 0, 41, 0x04, 0xD0, 0, 0,
                                  static_cast<std::uint8_t>(options.do_bit ? 0x80 : 0), 0, 0, 0};
    out.insert(out.end(), opt, opt + 11);
  }
  return out;
}

std::optional<Reply> decode_reply(const std::vector<std::uint8_t>& raw) {
  Header header;
  if (!read_header(raw, header)) return std::nullopt;
  Reply reply;
  reply.raw = raw;
  reply.id = header.id;
  reply.flags = header.flags;
  reply.rcode = header.flags & 0xF;
  reply.qdcount = header.qdcount;
  reply.ancount = header.ancount;
  reply.nscount = header.nscount;
  reply.arcount = header.arcount;
  if (header.qdcount >= 1) {
    Name name;
    if (read_name(raw, kHeaderSize, name) != 0) reply.qname = std::string(name.text_view());
  }
  const bool ok = walk_records(raw, [&](const Record& record) {
    if (record.type == rr::opt) {
      reply.edns = true;
      reply.do_bit = (record.ttl & 0x8000) != 0;
    }
    if (record.section != Record::Section::answer) return true;
    char text[64];
    if (record.type == rr::a && record.rdlength == 4) {
      inet_ntop(AF_INET, raw.data() + record.rdata_offset, text, sizeof text);
      reply.addresses.emplace_back(text);
    } else if (record.type == rr::aaaa && record.rdlength == 16) {
      inet_ntop(AF_INET6, raw.data() + record.rdata_offset, text, sizeof text);
      reply.addresses.emplace_back(text);
    } else if (record.type == rr::cname) {
      Name target;
      if (read_name(raw, record.rdata_offset, target) != 0) reply.cnames.emplace_back(target.text_view());
    }
    return true;
  });
  if (!ok) return std::nullopt;
  return reply;
}

std::optional<Reply> udp_exchange(std::uint16_t port, const std::vector<std::uint8_t>& query,
                                  std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return std::nullopt;
  const sockaddr_in addr = loopback(port);
  std::optional<Reply> result;
  if (::sendto(fd, query.data(), query.size(), 0, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) >= 0 &&
      wait_readable(fd, timeout)) {
    std::vector<std::uint8_t> buffer(65536);
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      buffer.resize(static_cast<std::size_t>(n));
      result = decode_reply(buffer);
    }
  }
  ::close(fd);
  return result;
}

TcpClient::TcpClient(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  const sockaddr_in addr = loopback(port);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

TcpClient::~TcpClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool TcpClient::send_raw(const std::vector<std::uint8_t>& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool TcpClient::send(const std::vector<std::uint8_t>& message) {
  std::vector<std::uint8_t> framed(2);
  store16(framed.data(), static_cast<std::uint16_t>(message.size()));
  framed.insert(framed.end(), message.begin(), message.end());
  return send_raw(framed);
}

std::optional<Reply> TcpClient::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto read_exact = [&](std::uint8_t* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !wait_readable(fd_, left)) return false;
      const ssize_t n = ::recv(fd_, data + done, size - done, 0);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  };
  std::uint8_t len[2];
  if (!read_exact(len, 2)) return std::nullopt;
  std::vector<std::uint8_t> message(load16(len));
  if (!read_exact(message.data(), message.size())) return std::nullopt;
  return decode_reply(message);
}

bool TcpClient::closed_by_peer(std::chrono::milliseconds timeout) {
  if (!wait_readable(fd_, timeout)) return false;
  std::uint8_t byte;
  return ::recv(fd_, &byte, 1, MSG_PEEK) == 0;
}

std::optional<Reply> tcp_exchange(std::uint16_t port, const std::vector<std::uint8_t>& query,
                                  std::chrono::milliseconds timeout) {
  TcpClient client(port);
  if (!client.connected() || !client.send(query)) return std::nullopt;
  return client.receive(timeout);
}

}  // namespace defender::dnsproxy::testing

#include "tests/dnsproxy/fake_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "dnsproxy/packet.h"

namespace defender::dnsproxy::testing {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

void put_name(std::vector<std::uint8_t>& out, const std::string& name) {
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

bool read_all(int fd, std::uint8_t* data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::recv(fd, data + done, size - done, 0);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

FakeUpstream::FakeUpstream() {
  udp_fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  tcp_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (udp_fd_ < 0 || tcp_fd_ < 0 || ::pipe(wake_fd_) != 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Same port for UDP and TCP: take UDP's, retry when TCP's is taken.
  for (int tries = 0; tries < 50; ++tries) {
    addr.sin_port = 0;
    if (udp_fd_ < 0) udp_fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (::bind(udp_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind");
    socklen_t len = sizeof addr;
    ::getsockname(udp_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    const int one = 1;
    ::setsockopt(tcp_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(tcp_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      port_ = ntohs(addr.sin_port);
      break;
    }
    ::close(udp_fd_);
    udp_fd_ = -1;
  }
  if (port_ == 0 || ::listen(tcp_fd_, 64) != 0) throw std::runtime_error("listen");
  thread_ = std::thread([this] { run(); });
}

FakeUpstream::~FakeUpstream() {
  const char byte = 'x';
  (void)!::write(wake_fd_[1], &byte, 1);
  thread_.join();
  ::close(udp_fd_);
  ::close(tcp_fd_);
  ::close(wake_fd_[0]);
  ::close(wake_fd_[1]);
}

void FakeUpstream::add(const std::string& name, FakeRecord record) {
  std::lock_guard lock(mutex_);
  records_[lower(name)].push_back(std::move(record));
}

int FakeUpstream::queries_for(const std::string& name) const {
  std::lock_guard lock(mutex_);
  const auto it = counts_.find(lower(name));
  return it == counts_.end() ? 0 : it->second;
}

std::vector<std::uint8_t> FakeUpstream::answer(const std::vector<std::uint8_t>& query, bool truncate) const {
  Query parsed;
  if (parse_query(query, parsed) != ParseStatus::ok) return {};
  std::vector<std::uint8_t> out(query.begin(), query.begin() + static_cast<long>(parsed.question.end));
  std::uint16_t flags = static_cast<std::uint16_t>(flag::qr | flag::ra | (parsed.header.flags & flag::rd));
  std::string name = lower(std::string(parsed.question.name.text_view()));
  std::uint16_t ancount = 0;
  bool known = false;
  {
    std::lock_guard lock(mutex_);
    for (int depth = 0; depth < 8; ++depth) {
      const auto it = records_.find(name);
      if (it == records_.end()) break;
      known = true;
      std::string next;
      for (const FakeRecord& record : it->second) {
        if (record.type != parsed.question.qtype && record.type != rr::cname) continue;
        put_name(out, name);
        put16(out, record.type);
        put16(out, 1);
        put16(out, static_cast<std::uint16_t>(record.ttl >> 16));
        put16(out, static_cast<std::uint16_t>(record.ttl));
        if (record.type == rr::cname) {
          std::vector<std::uint8_t> target;
          put_name(target, record.data);
          put16(out, static_cast<std::uint16_t>(target.size()));
          out.insert(out.end(), target.begin(), target.end());
          next = lower(record.data);
        } else if (record.type == rr::a) {
          put16(out, 4);
          in_addr a{};
          inet_pton(AF_INET, record.data.c_str(), &a);
          const auto* b = reinterpret_cast<const std::uint8_t*>(&a);
          out.insert(out.end(), b, b + 4);
        } else {
          put16(out, 16);
          in6_addr a{};
          inet_pton(AF_INET6, record.data.c_str(), &a);
          const auto* b = reinterpret_cast<const std::uint8_t*>(&a);
          out.insert(out.end(), b, b + 16);
        }
        ++ancount;
      }
      if (next.empty()) break;
      name = next;
    }
  }
  if (!known) flags |= static_cast<std::uint16_t>(Rcode::nxdomain);
  if (truncate) {
    out.resize(parsed.question.end);
    ancount = 0;
    flags |= flag::tc;
  }
  store16(out.data() + 2, flags);
  store16(out.data() + 6, ancount);
  store16(out.data() + 8, 0);
  store16(out.data() + 10, 0);  // EDNS not mirrored: a plain server
  return out;
}

void FakeUpstream::run() {
  std::vector<pollfd> fds;
  std::vector<std::uint8_t> buffer(65536);
  for (;;) {
    fds.assign({{wake_fd_[0], POLLIN, 0}, {udp_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}});
    if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[0].revents != 0) return;
    const Mode mode = mode_.load();
    auto count = [&](const std::vector<std::uint8_t>& query) {
      Query parsed;
      if (parse_query(query, parsed) != ParseStatus::ok) return;
      ++total_;
      std::lock_guard lock(mutex_);
      ++counts_[lower(std::string(parsed.question.name.text_view()))];
    };
    if (fds[1].revents != 0) {
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      const ssize_t n = ::recvfrom(udp_fd_, buffer.data(), buffer.size(), 0,
                                   reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n > 0) {
        std::vector<std::uint8_t> query(buffer.begin(), buffer.begin() + n);
        count(query);
        if (mode != Mode::never_answer) {
          auto reply = answer(query, mode == Mode::truncate_udp);
          if (!reply.empty() && mode == Mode::wrong_id_first) {
            auto wrong = reply;
            store16(wrong.data(), static_cast<std::uint16_t>(load16(wrong.data()) + 1));
            // and an address that must never reach the client
            if (load16(wrong.data() + 6) > 0 && wrong.size() >= 4) {
              std::fill(wrong.end() - 4, wrong.end(), std::uint8_t{6});
            }
            ::sendto(udp_fd_, wrong.data(), wrong.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
          }
          if (!reply.empty()) {
            ::sendto(udp_fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
          }
        }
      }
    }
    if (fds[2].revents != 0) {
      const int conn = ::accept(tcp_fd_, nullptr, nullptr);
      if (conn >= 0) {
        ++tcp_connections_;
        // Serve this connection until it goes quiet (pipelined queries, in order).
        for (;;) {
          pollfd p{conn, POLLIN, 0};
          if (::poll(&p, 1, 300) <= 0) break;
          std::uint8_t len[2];
          if (!read_all(conn, len, 2)) break;
          std::vector<std::uint8_t> query(load16(len));
          if (!read_all(conn, query.data(), query.size())) break;
          count(query);
          ++tcp_;
          if (mode == Mode::never_answer) continue;
          auto reply = answer(query, false);
          std::vector<std::uint8_t> framed(2);
          store16(framed.data(), static_cast<std::uint16_t>(reply.size()));
          framed.insert(framed.end(), reply.begin(), reply.end());
          if (::send(conn, framed.data(), framed.size(), MSG_NOSIGNAL) < 0) break;
        }
        ::close(conn);
      }
    }
  }
}

}  // namespace defender::dnsproxy::testing

// UdpBatch: receives up to N datagrams with one recvmmsg(2) into buffers it owns (one wake-up
// of a busy UDP socket is one system call, not one per datagram). Not thread-safe; owned by
// the server and used on its io thread.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace defender::dnsproxy {

class UdpBatch {
 public:
  UdpBatch(std::size_t count, std::size_t buffer_size);
  UdpBatch(const UdpBatch&) = delete;
  UdpBatch& operator=(const UdpBatch&) = delete;

  // Non-blocking: the number of datagrams read (0 when none is waiting), or -1 with errno set
  // on another error (e.g. ECONNREFUSED reported by ICMP on a connected socket).
  int receive(int fd) noexcept;

  std::span<std::uint8_t> data(std::size_t i) noexcept {
    return {buffers_.data() + i * buffer_size_, messages_[i].msg_len};
  }
  // The datagram was larger than the buffer and was cut.
  bool truncated(std::size_t i) const noexcept { return (messages_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0; }
  const sockaddr* from(std::size_t i) const noexcept {
    return reinterpret_cast<const sockaddr*>(&addresses_[i]);
  }
  socklen_t from_length(std::size_t i) const noexcept { return messages_[i].msg_hdr.msg_namelen; }

 private:
  std::size_t count_;
  std::size_t buffer_size_;
  std::vector<std::uint8_t> buffers_;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> addresses_;
};

}  // namespace defender::dnsproxy

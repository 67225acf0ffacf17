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

// UdpSendBatch: datagrams queued during one round of work and sent with one sendmmsg(2), so
// that the receivers (clients, upstreams) are woken once per batch rather than once per
// datagram. Copies what it is given (up to `buffer_size` bytes each). Not thread-safe.
class UdpSendBatch {
 public:
  UdpSendBatch(std::size_t count, std::size_t buffer_size);
  UdpSendBatch(const UdpSendBatch&) = delete;
  UdpSendBatch& operator=(const UdpSendBatch&) = delete;

  bool full() const noexcept { return used_ == count_; }
  bool empty() const noexcept { return used_ == 0; }
  bool fits(std::size_t size) const noexcept { return size <= buffer_size_; }
  // Queues a copy; `to` may be null on a connected socket. False when full or too big.
  bool add(std::span<const std::uint8_t> data, const sockaddr* to, socklen_t to_length) noexcept;
  // Sends everything queued (non-blocking); returns how many could not be sent.
  std::size_t flush(int fd) noexcept;

 private:
  std::size_t count_;
  std::size_t buffer_size_;
  std::size_t used_ = 0;
  std::vector<std::uint8_t> buffers_;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> addresses_;
};

}  // namespace defender::dnsproxy

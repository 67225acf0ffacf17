#include "dnsproxy/udp_batch.h"

#include <cerrno>
#include <cstring>

namespace defender::dnsproxy {

UdpBatch::UdpBatch(std::size_t count, std::size_t buffer_size)
    : count_(count == 0 ? 1 : count),
      buffer_size_(buffer_size),
      buffers_(count_ * buffer_size),
      messages_(count_),
      iovecs_(count_),
      addresses_(count_) {}

int UdpBatch::receive(int fd) noexcept {
  for (std::size_t i = 0; i < count_; ++i) {
    iovecs_[i].iov_base = buffers_.data() + i * buffer_size_;
    iovecs_[i].iov_len = buffer_size_;
    std::memset(&messages_[i].msg_hdr, 0, sizeof(msghdr));
    messages_[i].msg_hdr.msg_iov = &iovecs_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
    messages_[i].msg_hdr.msg_name = &addresses_[i];
    messages_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    messages_[i].msg_len = 0;
  }
  for (;;) {
    const int n = ::recvmmsg(fd, messages_.data(), static_cast<unsigned>(count_), MSG_DONTWAIT, nullptr);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
}

}  // namespace defender::dnsproxy

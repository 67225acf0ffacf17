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

UdpSendBatch::UdpSendBatch(std::size_t count, std::size_t buffer_size)
    : count_(count == 0 ? 1 : count),
      buffer_size_(buffer_size),
      buffers_(count_ * buffer_size),
      messages_(count_),
      iovecs_(count_),
      addresses_(count_) {}

bool UdpSendBatch::add(std::span<const std::uint8_t> data, const sockaddr* to, socklen_t to_length) noexcept {
  if (full() || data.size() > buffer_size_ || to_length > sizeof(sockaddr_storage)) return false;
  std::uint8_t* buffer = buffers_.data() + used_ * buffer_size_;
  std::memcpy(buffer, data.data(), data.size());
  iovecs_[used_].iov_base = buffer;
  iovecs_[used_].iov_len = data.size();
  msghdr& header = messages_[used_].msg_hdr;
  std::memset(&header, 0, sizeof header);
  header.msg_iov = &iovecs_[used_];
  header.msg_iovlen = 1;
  if (to != nullptr) {
    std::memcpy(&addresses_[used_], to, to_length);
    header.msg_name = &addresses_[used_];
    header.msg_namelen = to_length;
  }
  ++used_;
  return true;
}

std::size_t UdpSendBatch::flush(int fd) noexcept {
  std::size_t failed = 0;
  std::size_t done = 0;
  while (done < used_) {
    const int n = ::sendmmsg(fd, messages_.data() + done, static_cast<unsigned>(used_ - done), MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      ++failed;  // this one cannot go (buffer full, refused...): UDP, the client retries
      ++done;
    }
  }
  used_ = 0;
  return failed;
}

}  // namespace defender::dnsproxy

#include "supervisor/proc_connector.h"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace defender::supervisor {
namespace {

bool send_control(int fd, proc_cn_mcast_op op, int* error) {
  // nlmsghdr | cn_msg | op, laid out in a byte buffer (cn_msg ends in a flexible array).
  alignas(nlmsghdr) unsigned char request[NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
  auto* header = reinterpret_cast<nlmsghdr*>(request);
  header->nlmsg_len = sizeof request;
  header->nlmsg_type = NLMSG_DONE;
  header->nlmsg_pid = static_cast<std::uint32_t>(::getpid());
  auto* message = static_cast<cn_msg*>(NLMSG_DATA(header));
  message->id.idx = CN_IDX_PROC;
  message->id.val = CN_VAL_PROC;
  message->len = sizeof(proc_cn_mcast_op);
  std::memcpy(message->data, &op, sizeof op);
  if (::send(fd, &request, sizeof request, MSG_NOSIGNAL) < 0) {
    *error = errno;
    return false;
  }
  return true;
}

}  // namespace

bool in_nested_pid_namespace(std::string* why) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("NSpid:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    int count = 0;
    std::string pid;
    while (fields >> pid) ++count;
    if (count > 1) {
      if (why) *why = "in a nested PID namespace (connector pids would be the host's)";
      return true;
    }
  }
  return false;
}

std::unique_ptr<ProcConnector> ProcConnector::open(std::string* why, int receive_buffer_bytes) {
  if (in_nested_pid_namespace(why)) return nullptr;
  const int fd = ::socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
  if (fd < 0) {
    if (why) *why = std::string("socket(NETLINK_CONNECTOR): ") + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<ProcConnector> connector(new ProcConnector(fd));
  // A slow reader needs a large buffer (~830 bytes per queued event). FORCE needs root.
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer_bytes, sizeof receive_buffer_bytes) != 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
  }
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = CN_IDX_PROC;
  address.nl_pid = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    if (why) *why = std::string("bind(NETLINK_CONNECTOR, CN_IDX_PROC): ") + std::strerror(errno);
    return nullptr;
  }
  int error = 0;
  if (!send_control(fd, PROC_CN_MCAST_LISTEN, &error)) {
    if (why) {
      *why = std::string("subscribe (PROC_CN_MCAST_LISTEN): ") + std::strerror(error) +
             (error == ECONNREFUSED ? " (not the host's network namespace)" : "");
    }
    return nullptr;
  }
  return connector;
}

ProcConnector::~ProcConnector() {
  if (fd_ < 0) return;
  int error = 0;
  send_control(fd_, PROC_CN_MCAST_IGNORE, &error);
  ::close(fd_);
}

void ProcConnector::drain(const std::function<void(pid_t)>& on_exec) {
  alignas(nlmsghdr) char buffer[16384];
  for (int batch = 0; batch < 256; ++batch) {  // bounded: the loop comes back when still readable
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        ++overruns_;
        continue;
      }
      return;  // EAGAIN: drained
    }
    if (n == 0) return;
    std::size_t left = static_cast<std::size_t>(n);
    for (auto* header = reinterpret_cast<nlmsghdr*>(buffer); NLMSG_OK(header, left);
         header = NLMSG_NEXT(header, left)) {
      if (header->nlmsg_type == NLMSG_ERROR || header->nlmsg_type == NLMSG_NOOP) continue;
      if (header->nlmsg_len < NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_event))) continue;
      const auto* message = static_cast<const cn_msg*>(NLMSG_DATA(header));
      if (message->id.idx != CN_IDX_PROC || message->id.val != CN_VAL_PROC) continue;
      proc_event event{};
      std::memcpy(&event, message->data, sizeof event);
      if (event.what == proc_event::PROC_EVENT_EXEC) on_exec(static_cast<pid_t>(event.event_data.exec.process_tgid));
    }
  }
}

}  // namespace defender::supervisor

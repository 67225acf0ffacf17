#include "supervisor/fs_identity.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

namespace defender::supervisor {
namespace {

struct Ids {
  long uid = -1;
  long gid = -1;
};

// "Uid:\tR\tE\tS\tFS" -> R when R, E and S agree (ptrace's rule), else nullopt.
std::optional<long> uniform_id(const char* line) {
  long real = -1, effective = -2, saved = -3, fs = -4;
  if (std::sscanf(line, "%ld %ld %ld %ld", &real, &effective, &saved, &fs) != 4) return std::nullopt;
  if (real != effective || real != saved) return std::nullopt;
  return real;
}

std::optional<Ids> read_ids(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/status", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buffer[4096];
  const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  buffer[n] = '\0';
  const char* uid_line = std::strstr(buffer, "\nUid:");
  const char* gid_line = std::strstr(buffer, "\nGid:");
  if (uid_line == nullptr || gid_line == nullptr) return std::nullopt;
  const auto uid = uniform_id(uid_line + 5);
  const auto gid = uniform_id(gid_line + 5);
  if (!uid || !gid) return std::nullopt;
  return Ids{*uid, *gid};
}

}  // namespace

ScopedFsIdentity::ScopedFsIdentity(pid_t pid) noexcept {
  const auto ids = read_ids(pid);
  if (!ids) return;
  // setfsuid/setfsgid return the previous value whether or not they succeed.
  const long current_uid = ::syscall(SYS_setfsuid, -1);
  const long current_gid = ::syscall(SYS_setfsgid, -1);
  if (ids->uid == current_uid && ids->gid == current_gid) return;
  saved_gid_ = ::syscall(SYS_setfsgid, ids->gid);  // gid first: changing fsuid drops CAP_SETGID's use
  saved_uid_ = ::syscall(SYS_setfsuid, ids->uid);
  switched_ = ::syscall(SYS_setfsuid, -1) == ids->uid;
}

ScopedFsIdentity::~ScopedFsIdentity() {
  if (saved_uid_ >= 0) ::syscall(SYS_setfsuid, saved_uid_);
  if (saved_gid_ >= 0) ::syscall(SYS_setfsgid, saved_gid_);
}

}  // namespace defender::supervisor

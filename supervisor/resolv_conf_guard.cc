#include "supervisor/resolv_conf_guard.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace defender::supervisor {
namespace {

constexpr std::size_t kMaxBytes = 1 << 20;  // resolv.conf is tiny; refuse anything huge

std::string call_error(const std::string& call, int error) { return call + ": " + std::strerror(error); }

}  // namespace

std::optional<std::string> ResolvConfGuard::read(const std::string& path, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (error) *error = call_error("open(" + path + ", O_RDONLY)", errno);
    return std::nullopt;
  }
  std::string data;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      if (error) *error = call_error("read(" + path + ")", saved);
      return std::nullopt;
    }
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
    if (data.size() > kMaxBytes) {
      ::close(fd);
      if (error) *error = path + ": larger than 1 MiB";
      return std::nullopt;
    }
  }
  ::close(fd);
  return data;
}

bool ResolvConfGuard::write_in_place(const std::string& path, const std::string& content, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (error) *error = call_error("open(" + path + ", O_RDWR)", errno);
    return false;
  }
  bool ok = true;
  if (::ftruncate(fd, 0) != 0) {
    if (error) *error = call_error("ftruncate(" + path + ")", errno);
    ok = false;
  }
  std::size_t done = 0;
  while (ok && done < content.size()) {
    const ssize_t n = ::pwrite(fd, content.data() + done, content.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (error) *error = call_error("write(" + path + ")", n < 0 ? errno : EIO);
      ok = false;
    } else {
      done += static_cast<std::size_t>(n);
    }
  }
  if (::close(fd) != 0 && ok) {
    if (error) *error = call_error("close(" + path + ")", errno);
    ok = false;
  }
  return ok;
}

bool ResolvConfGuard::rewrite(const std::string& original, const std::string& content, std::string* error) {
  if (!write_in_place(path_, content, error)) {
    // A failed truncate+write may have left it half written: put the original back.
    std::string ignored;
    write_in_place(path_, original, &ignored);
    return false;
  }
  original_ = original;
  return true;
}

bool ResolvConfGuard::restore(std::string* error) {
  if (!original_) return true;
  const bool ok = write_in_place(path_, *original_, error);
  if (ok) original_.reset();
  return ok;
}

ResolvConfGuard::~ResolvConfGuard() {
  std::string ignored;
  restore(&ignored);
}

}  // namespace defender::supervisor

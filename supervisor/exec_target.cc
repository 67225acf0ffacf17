#include "supervisor/exec_target.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <deque>
#include <utility>
#include <vector>

#include "supervisor/process_table.h"

namespace defender::supervisor {
namespace {

constexpr int kMaxSymlinks = 40;  // the kernel's limit

// An owned fd.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

std::optional<std::string> read_link(const std::string& path) {
  char buffer[4096];
  const ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buffer) return std::nullopt;
  return std::string(buffer, static_cast<std::size_t>(n));
}

std::optional<std::string> read_link_at(int dirfd, const std::string& name) {
  char buffer[4096];
  const ssize_t n = ::readlinkat(dirfd, name.c_str(), buffer, sizeof buffer);
  if (n < 0 || static_cast<std::size_t>(n) >= sizeof buffer) return std::nullopt;
  return std::string(buffer, static_cast<std::size_t>(n));
}

bool same_file(int a, int b) {
  struct stat sa {}, sb{};
  return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool on_procfs(int fd) {
  struct statfs fs {};
  return ::fstatfs(fd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

bool is_procfs_root(int fd) {
  struct stat st {};
  return on_procfs(fd) && ::fstat(fd, &st) == 0 && st.st_ino == 1;  // PROC_ROOT_INO
}

void push_components(std::deque<std::string>& pending, const std::string& path) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    const auto end = path.find('/', begin);
    const std::string part = path.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (!part.empty() && part != ".") parts.push_back(part);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_front(*it);
}

// The kernel's name of `fd`, relative to the caller's root `root_path` (its readlink).
std::string name_of(int fd, const std::string& root_path) {
  auto link = read_link("/proc/self/fd/" + std::to_string(fd));
  if (!link) return {};
  std::string path = tidy_kernel_path(*link);
  if (root_path != "/" && !root_path.empty() && path.starts_with(root_path) &&
      (path.size() == root_path.size() || path[root_path.size()] == '/')) {
    path = path.substr(root_path.size());
    if (path.empty()) path = "/";
  }
  return path;
}

ExecTarget failed(const ExecRequest& request, int error) {
  return ExecTarget{request.path, error};
}

}  // namespace

ExecTarget resolve_exec_target(const ExecRequest& request) {
  const std::string proc = "/proc/" + std::to_string(request.tid);
  Fd root(::open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.ok()) return failed(request, errno);
  const std::string root_path = read_link(proc + "/root").value_or("/");

  Fd cur;
  if (request.empty_path) {
    cur.reset(::open((proc + "/fd/" + std::to_string(request.dirfd)).c_str(), O_PATH | O_CLOEXEC));
    if (!cur.ok()) return failed(request, errno == ENOENT ? EBADF : errno);
    return ExecTarget{name_of(cur.get(), root_path), 0};
  }
  if (request.path.empty()) return failed(request, ENOENT);
  if (request.path[0] == '/') {
    cur.reset(::dup(root.get()));
  } else if (request.dirfd == -100 /* AT_FDCWD */) {
    cur.reset(::open((proc + "/cwd").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  } else {
    cur.reset(::open((proc + "/fd/" + std::to_string(request.dirfd)).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  }
  if (!cur.ok()) return failed(request, errno == ENOENT ? EBADF : errno);

  std::deque<std::string> pending;
  push_components(pending, request.path);
  std::string cur_name;  // the component `cur` was reached by (for /proc/PID/fd/N)
  int symlinks = 0;
  std::size_t steps = 0;
  while (!pending.empty()) {
    if (++steps > 4096) return failed(request, ELOOP);
    std::string comp = std::move(pending.front());
    pending.pop_front();
    const bool last = pending.empty();
    if (comp == "..") {
      if (same_file(cur.get(), root.get())) continue;  // ".." at the caller's root stays there
      Fd up(::openat(cur.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!up.ok()) return failed(request, errno);
      cur = std::move(up);
      cur_name = "..";
      continue;
    }
    if ((comp == "self" || comp == "thread-self") && is_procfs_root(cur.get())) {
      // "self" evaluated by the supervisor would be the supervisor: substitute the caller.
      const pid_t tgid = read_tgid(request.tid).value_or(request.tid);
      if (comp == "thread-self") {
        pending.push_front(std::to_string(request.tid));
        pending.push_front("task");
      }
      comp = std::to_string(tgid);
    }
    Fd next(::openat(cur.get(), comp.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!next.ok()) return failed(request, errno);
    struct stat st {};
    if (::fstat(next.get(), &st) != 0) return failed(request, errno);
    if (S_ISLNK(st.st_mode)) {
      if (++symlinks > kMaxSymlinks) return failed(request, ELOOP);
      if (last && request.nofollow) return failed(request, ELOOP);
      const bool magic = on_procfs(cur.get()) &&
                         (comp == "exe" || comp == "cwd" || comp == "root" || cur_name == "fd" ||
                          cur_name == "map_files");
      if (magic) {
        // Magic links name an object, not a path: let the kernel follow it.
        Fd target(::openat(cur.get(), comp.c_str(), O_PATH | O_CLOEXEC));
        if (!target.ok()) return failed(request, errno);
        cur = std::move(target);
        cur_name = comp;
        continue;
      }
      const auto target = read_link_at(cur.get(), comp);
      if (!target) return failed(request, errno ? errno : ENAMETOOLONG);
      if (!target->empty() && (*target)[0] == '/') {
        cur.reset(::dup(root.get()));
        if (!cur.ok()) return failed(request, errno);
      }
      push_components(pending, *target);
      continue;
    }
    cur = std::move(next);
    cur_name = comp;
  }
  return ExecTarget{name_of(cur.get(), root_path), 0};
}

std::optional<std::string> read_remote_string(int mem_fd, std::uint64_t address, std::size_t max) {
  std::string result;
  constexpr std::uint64_t kPage = 4096;
  char buffer[kPage];
  while (result.size() < max) {
    // Never read across a page: the next one may be unmapped while this one is fine.
    const std::uint64_t room = kPage - (address % kPage);
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(room, max - result.size()));
    const ssize_t n = ::pread(mem_fd, buffer, want, static_cast<off_t>(address));
    if (n <= 0) return std::nullopt;
    const void* nul = std::memchr(buffer, '\0', static_cast<std::size_t>(n));
    if (nul != nullptr) {
      result.append(buffer, static_cast<const char*>(nul) - buffer);
      return result;
    }
    result.append(buffer, static_cast<std::size_t>(n));
    address += static_cast<std::uint64_t>(n);
  }
  return std::nullopt;
}

std::string read_remote_argv(int mem_fd, std::uint64_t address, std::size_t pointer_size,
                             std::size_t max_args, std::size_t max_bytes) {
  std::string result;
  for (std::size_t i = 0; i < max_args && result.size() < max_bytes; ++i) {
    std::uint64_t pointer = 0;
    if (::pread(mem_fd, &pointer, pointer_size, static_cast<off_t>(address + i * pointer_size)) !=
        static_cast<ssize_t>(pointer_size)) {
      break;
    }
    if (pointer == 0) break;
    const auto arg = read_remote_string(mem_fd, pointer, max_bytes - result.size());
    if (!arg) break;
    if (!result.empty()) result += ' ';
    result += *arg;
  }
  if (result.size() > max_bytes) result.resize(max_bytes);
  return result;
}

}  // namespace defender::supervisor

// ResolvConfGuard: rewrites /etc/resolv.conf IN PLACE and puts the original back.
//
// In a container the file is a bind mount: rename(2) over it fails (EBUSY), so the guard
// opens it O_RDWR and truncates and writes the same inode. Every failure names the call and
// errno ("open(/etc/resolv.conf, O_RDWR): Read-only file system"). The destructor restores
// when restore() was not called. Main thread only.
#pragma once

#include <optional>
#include <string>

namespace defender::supervisor {

class ResolvConfGuard {
 public:
  // Reads the current contents (nullopt and `error` when unreadable).
  static std::optional<std::string> read(const std::string& path, std::string* error);

  explicit ResolvConfGuard(std::string path) : path_(std::move(path)) {}
  ~ResolvConfGuard();
  ResolvConfGuard(const ResolvConfGuard&) = delete;
  ResolvConfGuard& operator=(const ResolvConfGuard&) = delete;

  // Replaces the contents with `content`, remembering `original` for restore().
  bool rewrite(const std::string& original, const std::string& content, std::string* error);
  // Writes the original back (when rewritten). false and `error` when that failed.
  bool restore(std::string* error);
  bool rewritten() const noexcept { return original_.has_value(); }

 private:
  static bool write_in_place(const std::string& path, const std::string& content, std::string* error);
  std::string path_;
  std::optional<std::string> original_;
};

}  // namespace defender::supervisor

// LandlockRuleset: the kernel-enforced half of an allowlist process policy. The ruleset
// handles only LANDLOCK_ACCESS_FS_EXECUTE, so files stay readable and writable as before;
// executing is allowed beneath the fixed prefix of each allow glob ("/usr/bin/*" -> /usr/bin,
// "/opt/app/run" -> that file) and in the ELF interpreter's folder (ld.so is exec'd too).
// Landlock cannot say "deny X inside an allowed folder": the seccomp check still does that.
//
// Built in the supervisor (raw syscalls); the spawned child calls landlock_restrict_self with
// fd() after NO_NEW_PRIVS. Owns the ruleset fd.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace defender::supervisor {

// The highest Landlock ABI of the running kernel; nullopt and `error` when unavailable.
std::optional<int> landlock_abi(std::string* error);

// The fixed prefix of a glob as a path ("/usr/bin/nc.*" -> "/usr/bin"; "xmrig" -> "/").
std::string glob_anchor(const std::string& glob);

// PT_INTERP of an ELF file ("/lib64/ld-linux-x86-64.so.2"); nullopt when none or not ELF.
std::optional<std::string> elf_interpreter(const std::string& path);

class LandlockRuleset {
 public:
  // Builds a ruleset allowing execution beneath each of `paths` (paths that do not exist are
  // listed in skipped()). nullopt and `error` (naming the syscall and errno) on failure.
  static std::optional<LandlockRuleset> build(const std::vector<std::string>& paths, std::string* error);

  LandlockRuleset(LandlockRuleset&& other) noexcept;
  LandlockRuleset& operator=(LandlockRuleset&& other) noexcept;
  ~LandlockRuleset();

  int fd() const noexcept { return fd_; }
  const std::vector<std::string>& allowed() const noexcept { return allowed_; }
  const std::vector<std::string>& skipped() const noexcept { return skipped_; }

 private:
  LandlockRuleset() = default;
  int fd_ = -1;
  std::vector<std::string> allowed_;
  std::vector<std::string> skipped_;
};

}  // namespace defender::supervisor

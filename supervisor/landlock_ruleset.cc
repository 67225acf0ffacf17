#include "supervisor/landlock_ruleset.h"

#include <elf.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace defender::supervisor {
namespace {

std::string errno_text(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

template <typename Header, typename Program>
std::optional<std::string> read_interp(int fd) {
  Header header{};
  if (::pread(fd, &header, sizeof header, 0) != static_cast<ssize_t>(sizeof header)) return std::nullopt;
  if (header.e_phentsize != sizeof(Program) || header.e_phnum > 256) return std::nullopt;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Program ph{};
    const off_t at = static_cast<off_t>(header.e_phoff + i * sizeof(Program));
    if (::pread(fd, &ph, sizeof ph, at) != static_cast<ssize_t>(sizeof ph)) return std::nullopt;
    if (ph.p_type != PT_INTERP) continue;
    if (ph.p_filesz == 0 || ph.p_filesz > 4096) return std::nullopt;
    std::string interp(ph.p_filesz, '\0');
    if (::pread(fd, interp.data(), interp.size(), static_cast<off_t>(ph.p_offset)) !=
        static_cast<ssize_t>(interp.size())) {
      return std::nullopt;
    }
    interp.resize(std::strlen(interp.c_str()));
    return interp;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> landlock_abi(std::string* error) {
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 0) {
    if (error) *error = errno_text("landlock_create_ruleset(VERSION)");
    return std::nullopt;
  }
  return static_cast<int>(abi);
}

std::string glob_anchor(const std::string& glob) {
  if (glob.empty() || glob[0] != '/') return "/";
  const auto wild = glob.find_first_of("*?[");
  if (wild == std::string::npos) return glob;
  const auto slash = glob.rfind('/', wild);
  return slash == 0 ? "/" : glob.substr(0, slash);
}

std::optional<std::string> elf_interpreter(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  unsigned char ident[EI_NIDENT] = {};
  std::optional<std::string> result;
  if (::pread(fd, ident, sizeof ident, 0) == static_cast<ssize_t>(sizeof ident) &&
      std::memcmp(ident, ELFMAG, SELFMAG) == 0) {
    result = ident[EI_CLASS] == ELFCLASS64 ? read_interp<Elf64_Ehdr, Elf64_Phdr>(fd)
                                           : read_interp<Elf32_Ehdr, Elf32_Phdr>(fd);
  }
  ::close(fd);
  return result;
}

std::optional<LandlockRuleset> LandlockRuleset::build(const std::vector<std::string>& paths, std::string* error) {
  landlock_ruleset_attr attr{};
  attr.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE;
  const long fd = ::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (fd < 0) {
    if (error) *error = errno_text("landlock_create_ruleset");
    return std::nullopt;
  }
  LandlockRuleset ruleset;
  ruleset.fd_ = static_cast<int>(fd);
  for (const auto& path : paths) {
    const int parent = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (parent < 0) {
      ruleset.skipped_.push_back(path + " (" + std::strerror(errno) + ")");
      continue;
    }
    landlock_path_beneath_attr rule{};
    rule.allowed_access = LANDLOCK_ACCESS_FS_EXECUTE;
    rule.parent_fd = parent;
    const long rc = ::syscall(SYS_landlock_add_rule, ruleset.fd_, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    const int saved = errno;
    ::close(parent);
    if (rc != 0) {
      if (error) *error = "landlock_add_rule(" + path + "): " + std::strerror(saved);
      return std::nullopt;
    }
    ruleset.allowed_.push_back(path);
  }
  return ruleset;
}

LandlockRuleset::LandlockRuleset(LandlockRuleset&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), allowed_(std::move(other.allowed_)), skipped_(std::move(other.skipped_)) {}

LandlockRuleset& LandlockRuleset::operator=(LandlockRuleset&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    allowed_ = std::move(other.allowed_);
    skipped_ = std::move(other.skipped_);
  }
  return *this;
}

LandlockRuleset::~LandlockRuleset() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace defender::supervisor

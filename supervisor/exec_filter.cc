#include "supervisor/exec_filter.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace defender::supervisor {
namespace {

std::string libseccomp_error(const char* call, int rc) {
  return std::string(call) + ": " + std::strerror(-rc);
}

}  // namespace

std::optional<ExecFilter> ExecFilter::build(std::string* error) {
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW), &seccomp_release);
  if (!ctx) {
    if (error) *error = "seccomp_init failed";
    return std::nullopt;
  }
  // The child sets NO_NEW_PRIVS itself; the exported program must not depend on libseccomp.
  int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0) {
    if (error) *error = libseccomp_error("seccomp_attr_set(CTL_NNP)", rc);
    return std::nullopt;
  }
  std::vector<std::uint32_t> arches{seccomp_arch_native()};
  if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
    arches.push_back(SCMP_ARCH_X86);
    arches.push_back(SCMP_ARCH_X32);
  }
  for (std::size_t i = 1; i < arches.size(); ++i) {
    rc = seccomp_arch_add(ctx.get(), arches[i]);
    if (rc < 0 && rc != -EEXIST) {
      if (error) *error = libseccomp_error("seccomp_arch_add", rc);
      return std::nullopt;
    }
  }
  for (const char* name : {"execve", "execveat"}) {
    rc = seccomp_rule_add(ctx.get(), SCMP_ACT_NOTIFY, seccomp_syscall_resolve_name(name), 0);
    if (rc < 0) {
      if (error) *error = libseccomp_error("seccomp_rule_add", rc) + " (" + name + ")";
      return std::nullopt;
    }
  }
  const int fd = memfd_create("defender-bpf", MFD_CLOEXEC);
  if (fd < 0) {
    if (error) *error = std::string("memfd_create: ") + std::strerror(errno);
    return std::nullopt;
  }
  rc = seccomp_export_bpf(ctx.get(), fd);
  const off_t size = lseek(fd, 0, SEEK_END);
  ExecFilter filter;
  if (rc < 0 || size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0 ||
      size > static_cast<off_t>(BPF_MAXINSNS * sizeof(sock_filter))) {
    ::close(fd);
    if (error) *error = rc < 0 ? libseccomp_error("seccomp_export_bpf", rc) : "seccomp_export_bpf: bad size";
    return std::nullopt;
  }
  filter.bpf_.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  const ssize_t n = pread(fd, filter.bpf_.data(), static_cast<std::size_t>(size), 0);
  ::close(fd);
  if (n != size) {
    if (error) *error = std::string("pread(bpf): ") + (n < 0 ? std::strerror(errno) : "short read");
    return std::nullopt;
  }
  for (const std::uint32_t arch : arches) {
    ArchSyscalls entry;
    entry.audit_arch = arch;  // SCMP_ARCH_* tokens are the AUDIT_ARCH_* values
    entry.execve = seccomp_syscall_resolve_name_arch(arch, "execve");
    entry.execveat = seccomp_syscall_resolve_name_arch(arch, "execveat");
    filter.arches_.push_back(entry);
  }
  return filter;
}

sock_fprog ExecFilter::program() const noexcept {
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(bpf_.size());
  prog.filter = const_cast<sock_filter*>(bpf_.data());
  return prog;
}

ExecSyscall ExecFilter::classify(std::uint32_t audit_arch, int nr) const noexcept {
  for (const auto& arch : arches_) {
    if (arch.audit_arch != audit_arch) continue;
    if (nr == arch.execve) return ExecSyscall::execve;
    if (nr == arch.execveat) return ExecSyscall::execveat;
  }
  return ExecSyscall::none;
}

}  // namespace defender::supervisor

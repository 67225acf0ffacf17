#include "supervisor/child_spawner.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace defender::supervisor {
namespace {

// The fixed-size message of the channel. `step` indexes kSteps.
struct Message {
  std::uint32_t kind = 0;  // 1 listener, 2 setup failed, 3 exec failed
  std::int32_t error = 0;
  std::uint32_t step = 0;
};

constexpr const char* kSteps[] = {
    "none",           "setpgid",        "setgroups", "setresgid", "setresuid",
    "prctl(PR_SET_NO_NEW_PRIVS)", "landlock_restrict_self", "seccomp(NEW_LISTENER)",
    "sendmsg(listener fd)", "execve",
};
enum Step : std::uint32_t {
  kNone, kSetpgid, kSetgroups, kSetresgid, kSetresuid, kNoNewPrivs, kLandlock, kSeccomp, kSendFd, kExecve
};

// Child side: async-signal-safe only.
void child_send(int fd, std::uint32_t kind, std::uint32_t step, int error, int pass_fd) {
  Message message{kind, error, step};
  iovec iov{&message, sizeof message};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (pass_fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &pass_fd, sizeof(int));
  }
  while (::sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

[[noreturn]] void child_fail(int channel, std::uint32_t kind, std::uint32_t step, int error) {
  child_send(channel, kind, step, error, -1);
  _exit(kind == 3 ? (error == ENOENT ? 127 : 126) : 126);
}

[[noreturn]] void run_child(const SpawnSpec& spec, int channel, char* const* argv, char* const* envp,
                            const std::vector<const char*>& candidates) {
  // Own process group; the terminal's foreground when there is one (SIGTTOU is still
  // ignored here, as in the supervisor, so tcsetpgrp from the background works).
  if (::setpgid(0, 0) != 0) child_fail(channel, 2, kSetpgid, errno);
  if (spec.take_terminal && ::isatty(STDIN_FILENO)) ::tcsetpgrp(STDIN_FILENO, ::getpid());

  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  if (spec.credentials) {
    const Credentials& c = *spec.credentials;
    // Raw syscalls: glibc's wrappers would try to sync threads the child does not have.
    if (::syscall(SYS_setgroups, c.groups.size(), c.groups.data()) != 0) child_fail(channel, 2, kSetgroups, errno);
    if (::syscall(SYS_setresgid, c.gid, c.gid, c.gid) != 0) child_fail(channel, 2, kSetresgid, errno);
    if (::syscall(SYS_setresuid, c.uid, c.uid, c.uid) != 0) child_fail(channel, 2, kSetresuid, errno);
    // Changing ids made this process non-dumpable, which would hide its first exec's path
    // from the supervisor (see fs_identity.h); it is our own code until that exec.
    ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  }
  if (spec.exec_filter != nullptr || spec.landlock_ruleset_fd >= 0) {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(channel, 2, kNoNewPrivs, errno);
  }
  if (spec.landlock_ruleset_fd >= 0) {
    if (::syscall(SYS_landlock_restrict_self, spec.landlock_ruleset_fd, 0) != 0) {
      child_fail(channel, 2, kLandlock, errno);
    }
    ::close(spec.landlock_ruleset_fd);
  }
  if (spec.exec_filter != nullptr) {
    sock_fprog prog = spec.exec_filter->program();
    const long listener = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (listener < 0) child_fail(channel, 2, kSeccomp, errno);
    child_send(channel, 1, kNone, 0, static_cast<int>(listener));
    ::close(static_cast<int>(listener));  // the app must never hold its own listener
  }
  int error = ENOENT;
  bool saw_eacces = false;
  for (const char* path : candidates) {
    ::execve(path, argv, envp);
    error = errno;
    if (error == EACCES) saw_eacces = true;
    if (error != ENOENT && error != ENOTDIR && error != EACCES && error != ESTALE && error != ENODEV &&
        error != ETIMEDOUT) {
      break;
    }
  }
  if (saw_eacces && (error == ENOENT || error == ENOTDIR)) error = EACCES;
  child_fail(channel, 3, kExecve, error);
}

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& entry : env) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 && entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return {};
}

}  // namespace

std::vector<std::string> exec_candidates(const std::string& command, const std::vector<std::string>& env) {
  if (command.find('/') != std::string::npos) return {command};
  std::string path = env_value(env, "PATH");
  if (path.empty()) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::vector<std::string> result;
  std::size_t begin = 0;
  for (;;) {
    const auto end = path.find(':', begin);
    std::string dir = path.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    if (dir.empty()) dir = ".";
    result.push_back(dir + "/" + command);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return result;
}

SpawnedChild spawn_child(const SpawnSpec& spec) {
  if (spec.argv.empty()) throw std::system_error(EINVAL, std::generic_category(), "spawn: empty argv");
  // Everything the child needs is laid out before fork.
  std::vector<std::string> argv_copy = spec.argv;
  std::vector<char*> argv;
  for (auto& arg : argv_copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_copy = spec.env;
  std::vector<char*> envp;
  for (auto& entry : env_copy) envp.push_back(entry.data());
  envp.push_back(nullptr);
  const std::vector<std::string> candidates = exec_candidates(spec.argv[0], spec.env);
  std::vector<const char*> candidate_ptrs;
  for (const auto& c : candidates) candidate_ptrs.push_back(c.c_str());

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    throw std::system_error(errno, std::generic_category(), "socketpair");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int saved = errno;
    ::close(pair[0]);
    ::close(pair[1]);
    throw std::system_error(saved, std::generic_category(), "fork");
  }
  if (pid == 0) {
    ::close(pair[0]);
    run_child(spec, pair[1], argv.data(), envp.data(), candidate_ptrs);
  }
  ::close(pair[1]);
  // Also from this side, so that signals to the group work before the child ran setpgid.
  // EACCES: the child already exec'd (then it has done it itself).
  if (::setpgid(pid, pid) != 0 && errno != EACCES && errno != ESRCH) {
    // Not fatal: the child does it itself and reports a failure over the channel.
  }
  const int flags = ::fcntl(pair[0], F_GETFL);
  if (flags < 0 || ::fcntl(pair[0], F_SETFL, flags | O_NONBLOCK) != 0) {
    throw std::system_error(errno, std::generic_category(), "fcntl(O_NONBLOCK) on the child channel");
  }
  return SpawnedChild{pid, pair[0]};
}

ChildReport read_child_report(int channel_fd) {
  ChildReport report;
  Message message{};
  iovec iov{&message, sizeof message};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(channel_fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n == 0) {
    report.kind = ChildReport::Kind::closed;
    return report;
  }
  if (n < 0) {
    report.kind = (errno == EAGAIN) ? ChildReport::Kind::garbled : ChildReport::Kind::closed;
    report.error = errno;
    return report;
  }
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS && cmsg->cmsg_len >= CMSG_LEN(sizeof(int))) {
      std::memcpy(&report.fd, CMSG_DATA(cmsg), sizeof(int));
    }
  }
  if (static_cast<std::size_t>(n) != sizeof message || message.step >= std::size(kSteps)) {
    if (report.fd >= 0) ::close(report.fd);
    report.fd = -1;
    report.kind = ChildReport::Kind::garbled;
    return report;
  }
  report.error = message.error;
  report.step = kSteps[message.step];
  switch (message.kind) {
    case 1:
      report.kind = report.fd >= 0 ? ChildReport::Kind::listener : ChildReport::Kind::garbled;
      break;
    case 2: report.kind = ChildReport::Kind::setup_failed; break;
    case 3: report.kind = ChildReport::Kind::exec_failed; break;
    default: report.kind = ChildReport::Kind::garbled; break;
  }
  return report;
}

}  // namespace defender::supervisor

#include "supervisor/exec_controls.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "supervisor/child_spawner.h"

namespace defender::supervisor {
namespace {

std::string parent_folder(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

// "#!/bin/sh -e" -> "/bin/sh"; nullopt when the file is not a script.
std::optional<std::string> script_interpreter(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buffer[256] = {};
  const ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
  ::close(fd);
  if (n < 3 || buffer[0] != '#' || buffer[1] != '!') return std::nullopt;
  std::string line(buffer + 2, static_cast<std::size_t>(n - 2));
  line = line.substr(0, line.find('\n'));
  const auto begin = line.find_first_not_of(" \t");
  if (begin == std::string::npos) return std::nullopt;
  line = line.substr(begin);
  return line.substr(0, line.find_first_of(" \t"));
}

// Folders holding the ELF interpreter of `path` (as named and as resolved).
void add_interpreter_folders(const std::string& path, std::vector<std::string>& out) {
  std::string binary = path;
  if (const auto script = script_interpreter(path)) binary = *script;
  const auto interp = elf_interpreter(binary);
  if (!interp) return;
  out.push_back(parent_folder(*interp));
  std::error_code ec;
  const auto real = std::filesystem::canonical(*interp, ec);
  if (!ec) out.push_back(parent_folder(real.string()));
}

}  // namespace

ExecControls::ExecControls(std::shared_ptr<const policy::Policy> policy, core::EventSink& events,
                           const core::Logger& log, SupervisorStats& stats)
    : policy_(std::move(policy)), events_(events), log_(log), stats_(stats) {}

std::vector<std::string> ExecControls::landlock_paths(const policy::ProcessPolicy& processes,
                                                      const std::vector<std::string>& app_argv,
                                                      const std::vector<std::string>& app_env) {
  std::vector<std::string> paths;
  for (const auto& glob : processes.allow) paths.push_back(glob_anchor(glob));
  if (!app_argv.empty()) {
    for (const auto& candidate : exec_candidates(app_argv[0], app_env)) {
      if (::access(candidate.c_str(), X_OK) == 0) {
        add_interpreter_folders(candidate, paths);
        break;
      }
    }
  }
  // Interpreters of the usual shell too: scripts the app runs need ld.so as well.
  add_interpreter_folders("/bin/sh", paths);
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  return paths;
}

bool ExecControls::setup(const Options& options, ControlReport& report, std::string* error) {
  const auto& processes = policy_->processes;
  const bool refuse = policy_->supervisor.on_control_failure == policy::OnControlFailure::refuse;
  auditor_ = std::make_unique<ProcessAuditor>(policy_, events_, log_, stats_);
  if (processes.action == policy::Mode::disable) {
    report.add("seccomp_notify", false, "processes.action is disable");
    report.add("landlock", false, "processes.action is disable");
    report.add("netlink_connector", false, "processes.action is disable");
    auditor_.reset();
    return true;
  }

  // 1. seccomp user notification.
  std::string why;
  filter_ = ExecFilter::build(&why);
  if (!filter_) {
    report.add("seccomp_notify", false, why);
    if (refuse) {
      *error = "seccomp exec filter: " + why;
      return false;
    }
  }

  // 2. Landlock (allowlist in prevent mode only: it refuses, it cannot merely alert).
  const auto abi = landlock_abi(&why);
  const bool allowlist = processes.default_decision == policy::DefaultDecision::deny &&
                         processes.action != policy::Mode::alert;
  if (!abi) {
    report.add("landlock", false, why);
    if (allowlist && refuse) {
      *error = "Landlock for the process allowlist: " + why;
      return false;
    }
  } else if (!allowlist) {
    report.add("landlock", false, "ABI " + std::to_string(*abi) + "; not used: the process policy is not an allowlist");
  } else if (!options.landlock) {
    report.add("landlock", false, "ABI " + std::to_string(*abi) + "; turned off by flag");
  } else {
    landlock_ = LandlockRuleset::build(landlock_paths(processes, options.app_argv, options.app_env), &why);
    if (!landlock_) {
      report.add("landlock", false, "ABI " + std::to_string(*abi) + "; " + why);
      if (refuse) {
        *error = "Landlock: " + why;
        return false;
      }
    } else {
      std::string detail = "ABI " + std::to_string(*abi) + "; execute allowed beneath";
      for (const auto& path : landlock_->allowed()) detail += " " + path;
      if (!landlock_->skipped().empty()) {
        detail += "; missing:";
        for (const auto& path : landlock_->skipped()) detail += " " + path;
      }
      report.add("landlock", true, detail);
    }
  }

  if (filter_) {
    ExecGuard::Options guard_options;
    guard_options.recheck_after_exec = !landlock_.has_value();
    guard_options.max_rechecks = options.max_rechecks;
    guard_ = std::make_unique<ExecGuard>(*filter_, policy_, events_, log_, stats_, *auditor_, guard_options);
    report.add("seccomp_notify", true,
               std::string("execve/execveat checked") + (landlock_ ? "" : "; post-exec /proc/PID/exe check"));
  }

  // 3. The netlink proc connector, where it works.
  if (!options.connector) {
    report.add("netlink_connector", false, "turned off by flag");
  } else {
    connector_ = ProcConnector::open(&why);
    report.add("netlink_connector", connector_ != nullptr, connector_ ? "exec events, kill after exec" : why);
  }
  return true;
}

std::string ExecControls::reload(std::shared_ptr<const policy::Policy> policy) {
  std::string sealed;
  const bool enforce = policy->processes.action != policy::Mode::disable;
  if (auditor_) {
    auditor_->set_policy(policy);
  } else if (enforce) {
    sealed = "processes: no exec control was set up at start (processes.action was disable); restart to enforce";
  }
  if (guard_) {
    guard_->set_policy(policy);
  } else if (auditor_ && enforce) {
    sealed = "processes: no seccomp exec filter in this run; only the /proc checks apply the new rules";
  }
  if (landlock_ && policy->processes.allow != policy_->processes.allow) {
    sealed += std::string(sealed.empty() ? "" : "; ") +
              "processes.allow: Landlock keeps the allowlist of the start until a restart";
  }
  return sealed;
}

}  // namespace defender::supervisor

// PolicyReloader: the one reload path of `defender rasp`, for SIGHUP (the policy file read
// again) and for the console (a policy text it sends). The policy is loaded and validated;
// a good one is swapped into the DNS filter, the CNAF proxy, the exec guard and the /proc
// auditor; a bad one is refused, its errors logged, reported as a `system` event and returned,
// and the previous policy keeps serving. What start() sealed (listen addresses, upstreams,
// the event file, the app's user, Landlock's allowlist) stays until a restart; a reload that
// changes it says so in its event.
//
// Owned by run_rasp; thread-safe (one reload at a time). In practice it runs on the controls'
// io thread: the console client calls it there and the supervisor loop posts SIGHUP there.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/events.h"
#include "core/log.h"
#include "policy/loader.h"
#include "policy/policy.h"
#include "supervisor/controls.h"
#include "supervisor/exec_controls.h"

namespace defender::app {

class PolicyReloader {
 public:
  struct Source {
    std::string policy_path;       // what SIGHUP reads again
    bool policy_explicit = false;  // false: no file there means the built-in policy
  };

  PolicyReloader(std::shared_ptr<const policy::Policy> current, Source source, supervisor::Controls& controls,
                 supervisor::ExecControls& exec, core::EventSink& events, const core::Logger& log);

  // SIGHUP: the policy file again. False with `error` when refused.
  bool reload_file(std::string* error);
  // A policy text from `origin` ("the console"); relative list files resolve against the
  // policy file's folder. False with `error` (every problem, one a line) when refused.
  bool apply_text(const std::string& text, const std::string& origin, std::string* error);

  std::shared_ptr<const policy::Policy> current() const;

 private:
  bool apply(policy::LoadResult result, const std::string& origin, std::string* error);

  Source source_;
  supervisor::Controls& controls_;
  supervisor::ExecControls& exec_;
  core::EventSink& events_;
  core::Logger log_;
  mutable std::mutex mutex_;
  std::shared_ptr<const policy::Policy> current_;
};

// What differs between `before` and `after` among the settings sealed at start ("dns.listen,
// events.file"); empty when none.
std::string sealed_changes(const policy::Policy& before, const policy::Policy& after);

}  // namespace defender::app

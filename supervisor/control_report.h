// ControlReport: which controls are active in this run and why any is not. Filled while the
// controls are set up, then emitted as the one startup `system` event (and logged).
// A plain value; one thread.
#pragma once

#include <string>
#include <vector>

#include "core/events.h"

namespace defender::supervisor {

struct ControlStatus {
  std::string name;    // "seccomp_notify", "landlock", "netlink_connector", "resolv_conf", ...
  bool active = false;
  std::string detail;  // "ABI 7", "127.0.0.1:53", or why it is off
};

class ControlReport {
 public:
  void add(std::string name, bool active, std::string detail);
  const std::vector<ControlStatus>& controls() const noexcept { return controls_; }
  const ControlStatus* find(const std::string& name) const;
  // "seccomp_notify=on, landlock=off (ABI 7; policy is a denylist), ..."
  std::string summary() const;
  // The startup event: message = summary; one field per control ("seccomp_notify": "on: ...").
  core::Event to_event() const;

 private:
  std::vector<ControlStatus> controls_;
};

}  // namespace defender::supervisor

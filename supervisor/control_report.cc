#include "supervisor/control_report.h"

namespace defender::supervisor {

void ControlReport::add(std::string name, bool active, std::string detail) {
  for (auto& control : controls_) {
    if (control.name == name) {
      control.active = active;
      control.detail = std::move(detail);
      return;
    }
  }
  controls_.push_back(ControlStatus{std::move(name), active, std::move(detail)});
}

const ControlStatus* ControlReport::find(const std::string& name) const {
  for (const auto& control : controls_) {
    if (control.name == name) return &control;
  }
  return nullptr;
}

std::string ControlReport::summary() const {
  std::string text;
  for (const auto& control : controls_) {
    if (!text.empty()) text += ", ";
    text += control.name + (control.active ? "=on" : "=off");
    if (!control.detail.empty()) text += " (" + control.detail + ")";
  }
  return text;
}

core::Event ControlReport::to_event() const {
  core::Event event;
  event.type = "system";
  event.action = "info";
  event.message = "defender rasp started: " + summary();
  for (const auto& control : controls_) {
    event.set(control.name, std::string(control.active ? "on" : "off") +
                                (control.detail.empty() ? "" : ": " + control.detail));
  }
  return event;
}

}  // namespace defender::supervisor

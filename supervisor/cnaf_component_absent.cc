// The CNAF component when cnaf/ is not in the build: the seam reports it as missing.
#include "supervisor/component.h"

namespace defender::supervisor {
namespace {

class AbsentCnaf final : public Component {
 public:
  const char* name() const noexcept override { return "cnaf"; }
  bool start(ControlReport& report, std::string* error) override {
    report.add("cnaf", false, "the CNAF proxy is not built into this binary");
    *error = "the CNAF proxy is not built into this binary";
    return false;
  }
  void stop() noexcept override {}
  void reload(std::shared_ptr<const policy::Policy>) override {}
  void write_metrics(std::string&) const override {}
};

}  // namespace

std::unique_ptr<Component> make_cnaf_component(const ComponentContext&) { return std::make_unique<AbsentCnaf>(); }

}  // namespace defender::supervisor

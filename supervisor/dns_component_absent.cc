// The DNS component when dnsproxy/ is not in the build: the seam reports it as missing.
#include "supervisor/component.h"

namespace defender::supervisor {
namespace {

class AbsentDns final : public Component {
 public:
  const char* name() const noexcept override { return "dns"; }
  bool start(ControlReport& report, std::string* error) override {
    report.add("dns", false, "the DNS filter is not built into this binary");
    report.add("resolv_conf", false, "not rewritten: no DNS filter");
    *error = "the DNS filter is not built into this binary";
    return false;
  }
  void stop() noexcept override {}
  void reload(std::shared_ptr<const policy::Policy>) override {}
  void write_metrics(std::string&) const override {}
};

}  // namespace

std::unique_ptr<Component> make_dns_component(const ComponentContext&) { return std::make_unique<AbsentDns>(); }

}  // namespace defender::supervisor

#include "supervisor/cnaf_inspector.h"

namespace defender::supervisor {

std::shared_ptr<cnaf::Inspector> make_cnaf_inspector(const policy::Policy&) {
  return std::make_shared<cnaf::AllowAllInspector>();
}
std::string cnaf_inspector_name() { return "no WAF in this build: allow-all"; }

}  // namespace defender::supervisor

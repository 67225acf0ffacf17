#include "cnaf/waf/waf.h"
#include "supervisor/cnaf_inspector.h"

namespace defender::supervisor {

std::shared_ptr<cnaf::Inspector> make_cnaf_inspector(const policy::Policy& policy) {
  return cnaf::waf::make_inspector(policy);
}
std::string cnaf_inspector_name() { return "WAF"; }

}  // namespace defender::supervisor

// The inspector the in-process CNAF uses: the WAF when cnaf/waf is in the build
// (cnaf_inspector_waf.cc), else allow-all (cnaf_inspector_allow_all.cc) and said so.
#pragma once

#include <memory>
#include <string>

#include "cnaf/inspector.h"
#include "policy/policy.h"

namespace defender::supervisor {

std::shared_ptr<cnaf::Inspector> make_cnaf_inspector(const policy::Policy& policy);
std::string cnaf_inspector_name();  // "WAF" or "no WAF in this build: allow-all"

}  // namespace defender::supervisor

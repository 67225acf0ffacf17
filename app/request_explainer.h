// `policy explain --request 'METHOD TARGET'`: what CNAF's firewall decides for a request.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policy/policy.h"

namespace defender::app {

// nullopt with `error` set when the request text is malformed or cannot be judged here.
std::optional<policy::Decision> explain_request(const policy::Policy& policy,
                                                std::string_view request, std::string* error);

}  // namespace defender::app

// placeholder until the firewall (issue #5) is plugged in at integration
#include "app/request_explainer.h"

namespace defender::app {

std::optional<policy::Decision> explain_request(const policy::Policy&, std::string_view,
                                                std::string* error) {
  *error = "the CNAF firewall is not in this build yet";
  return std::nullopt;
}

}  // namespace defender::app

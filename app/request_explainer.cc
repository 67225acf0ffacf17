#include "app/request_explainer.h"

#include <array>

#include "cnaf/waf/waf.h"

namespace defender::app {

std::optional<policy::Decision> explain_request(const policy::Policy& policy,
                                                std::string_view request, std::string* error) {
  // 'METHOD TARGET', as on a request line; the target is used as sent (still encoded).
  const std::size_t space = request.find(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 >= request.size()) {
    *error = "expected 'METHOD TARGET', e.g. 'GET /search?q=1'";
    return std::nullopt;
  }
  const std::string_view method = request.substr(0, space);
  std::string_view target = request.substr(space + 1);
  while (!target.empty() && target.front() == ' ') target.remove_prefix(1);
  if (target.empty() || target.find(' ') != std::string_view::npos) {
    *error = "the target must be one word without spaces (encode them as %20)";
    return std::nullopt;
  }

  // The headers an ordinary browser sends, so that only the request itself is judged.
  const std::array<cnaf::HeaderView, 3> headers{{{"Host", "localhost"},
                                                 {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"},
                                                 {"Accept", "*/*"}}};
  cnaf::RequestView view;
  view.request_id = "explain";
  view.client_ip = "127.0.0.1";
  view.method = method;
  view.target = target;
  view.http_version = "HTTP/1.1";
  view.headers = headers;

  const cnaf::waf::Waf waf(policy);
  const cnaf::Verdict verdict = waf.inspect_content(view);
  policy::Decision decision;
  if (verdict.findings.empty()) {
    decision.rule = "cnaf.default";
    decision.reason = "no protection matched";
    return decision;
  }
  // The finding that decided: the first blocking one, else the first alert.
  const cnaf::Finding* decisive = &verdict.findings.front();
  for (const auto& finding : verdict.findings) {
    if (finding.action != "alert") {
      decisive = &finding;
      break;
    }
  }
  decision.deny = true;
  decision.action = policy::parse_mode(decisive->action).value_or(policy::Mode::alert);
  decision.rule = decisive->rule;
  decision.reason = decisive->protection + " at " + decisive->location + ": '" + decisive->match +
                    "' (" + decisive->message + ")";
  return decision;
}

}  // namespace defender::app

// The CNAF component: the reverse proxy (cnaf::Proxy) on cnaf.listen in front of the app on
// cnaf.upstream, inspecting with the WAF of this build (make_cnaf_inspector).
#include "cnaf/proxy.h"
#include "supervisor/cnaf_inspector.h"
#include "supervisor/component.h"
#include "supervisor/controls.h"

namespace defender::supervisor {
namespace {

class CnafComponent final : public Component {
 public:
  explicit CnafComponent(const ComponentContext& context) : context_(context) {}

  const char* name() const noexcept override { return "cnaf"; }

  bool start(ControlReport& report, std::string* error) override {
    proxy_ = std::make_unique<cnaf::Proxy>(context_.io, context_.policy, make_cnaf_inspector, context_.events,
                                           context_.log);
    cnaf::ProxyOptions options;
    options.threads = 1;  // beside the app, one worker on the Controls' io thread is plenty
    if (const std::error_code ec = proxy_->start(options)) {
      const std::string why = proxy_->start_error().empty() ? ec.message() : proxy_->start_error();
      proxy_.reset();
      report.add("cnaf", false, why);
      *error = why;
      return false;
    }
    const auto endpoint = proxy_->local_endpoint();
    report.add("cnaf", true, endpoint.address().to_string() + ":" + std::to_string(endpoint.port()) + " -> " +
                                 context_.policy->cnaf.upstream + "; " + cnaf_inspector_name());
    return true;
  }

  void stop() noexcept override {
    if (proxy_) proxy_->stop();
  }

  void reload(std::shared_ptr<const policy::Policy> policy) override {
    if (proxy_) proxy_->reload(std::move(policy));
  }

  void write_metrics(std::string& out) const override {
    if (!proxy_) return;
    const cnaf::ProxyStatsSnapshot s = proxy_->stats();
    append_counter(out, "defender_cnaf_connections_accepted_total", s.connections_accepted);
    out += "# TYPE defender_cnaf_connections_active gauge\ndefender_cnaf_connections_active " +
           std::to_string(s.connections_active) + "\n";
    append_counter(out, "defender_cnaf_connections_refused_total", s.connections_refused);
    append_counter(out, "defender_cnaf_requests_total", s.requests);
    append_counter(out, "defender_cnaf_blocked_total", s.blocked, "requests refused by the WAF verdict");
    append_counter(out, "defender_cnaf_protocol_errors_total", s.protocol_errors);
    append_counter(out, "defender_cnaf_upstream_connect_errors_total", s.upstream_connect_errors);
    append_counter(out, "defender_cnaf_upstream_timeouts_total", s.upstream_timeouts);
    out += "# TYPE defender_cnaf_responses_total counter\n";
    static constexpr const char* kClasses[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    for (std::size_t i = 0; i < s.responses.size(); ++i) {
      out += std::string("defender_cnaf_responses_total{class=\"") + kClasses[i] + "\"} " +
             std::to_string(s.responses[i]) + "\n";
    }
  }

 private:
  ComponentContext context_;
  std::unique_ptr<cnaf::Proxy> proxy_;
};

}  // namespace

std::unique_ptr<Component> make_cnaf_component(const ComponentContext& context) {
  return std::make_unique<CnafComponent>(context);
}

}  // namespace defender::supervisor

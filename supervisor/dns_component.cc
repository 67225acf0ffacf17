// The DNS component: the DNS filter (dnsproxy::DnsServer) on dns.listen, with upstreams from
// dns.upstreams or the original resolv.conf, and resolv.conf rewritten in place to point at
// it (restored on stop).
#include <boost/asio/ip/address.hpp>

#include "dnsproxy/dns_server.h"
#include "dnsproxy/resolv_conf.h"
#include "supervisor/component.h"
#include "supervisor/controls.h"
#include "supervisor/resolv_conf_guard.h"

namespace defender::supervisor {
namespace {

class DnsComponent final : public Component {
 public:
  explicit DnsComponent(const ComponentContext& context)
      : context_(context), guard_(context.resolv_conf_path) {}

  const char* name() const noexcept override { return "dns"; }

  bool start(ControlReport& report, std::string* error) override {
    const auto& policy = *context_.policy;
    const bool refuse = policy.supervisor.on_control_failure == policy::OnControlFailure::refuse;
    const std::string& path = context_.resolv_conf_path;
    std::string why;
    const auto listen = dnsproxy::parse_endpoint(policy.dns.listen, 53, &why);
    if (!listen) return fail(report, error, "dns.listen: " + why);

    // Upstreams: the policy's, else the original resolv.conf's nameservers.
    std::string read_error;
    const auto original = ResolvConfGuard::read(path, &read_error);
    const dnsproxy::ResolvConf conf = original ? dnsproxy::parse_resolv_conf(*original, {*listen}) : dnsproxy::ResolvConf{};
    std::vector<dnsproxy::Upstream> upstreams;
    for (const auto& text : policy.dns.upstreams) {
      const auto endpoint = dnsproxy::parse_endpoint(text, 53, &why);
      if (!endpoint) return fail(report, error, "dns.upstreams: " + why);
      upstreams.push_back({*endpoint});
    }
    if (upstreams.empty()) {
      if (!original) return fail(report, error, "no upstream: dns.upstreams is empty and " + read_error);
      for (const auto& server : conf.nameservers) upstreams.push_back({server});
      if (upstreams.empty()) {
        return fail(report, error, "no upstream: dns.upstreams is empty and " + path + " names no usable nameserver");
      }
    }

    server_ = std::make_unique<dnsproxy::DnsServer>(context_.io, context_.policy, upstreams, context_.events,
                                                    context_.log);
    // The app's resolver keeps the search list: names with those suffixes are also judged
    // without them (a denied x.test must not resolve as x.test.<search domain>).
    server_->set_search_domains(conf.search);
    if (const std::error_code ec = server_->start(*listen)) {
      std::string detail = "listen " + listen->to_string() + ": " + ec.message();
      if (ec == std::errc::address_in_use) detail += " (port taken)";
      if (ec == std::errc::permission_denied) detail += " (needs root or CAP_NET_BIND_SERVICE)";
      server_.reset();
      return fail(report, error, detail);
    }
    const auto bound = server_->local_endpoint();
    std::string upstream_text;
    for (const auto& upstream : upstreams) upstream_text += " " + upstream.endpoint.to_string();
    report.add("dns", true, bound.to_string() + "; upstreams" + upstream_text);

    // resolv.conf can only name port 53.
    if (bound.port != 53) {
      report.add("resolv_conf", false, "not rewritten: dns.listen is port " + std::to_string(bound.port) +
                                           " and resolv.conf cannot name a port");
      return true;
    }
    if (!original) {
      report.add("resolv_conf", false, "not rewritten: " + read_error);
      if (refuse) {
        *error = "resolv.conf: " + read_error;
        return false;
      }
      return true;
    }
    auto address = bound.address;
    if (address.is_unspecified()) {
      address = address.is_v6() ? boost::asio::ip::address(boost::asio::ip::address_v6::loopback())
                                : boost::asio::ip::address(boost::asio::ip::address_v4::loopback());
    }
    const std::string rewritten = dnsproxy::rewrite_resolv_conf(*original, address);
    std::string write_error;
    if (!guard_.rewrite(*original, rewritten, &write_error)) {
      report.add("resolv_conf", false, "not rewritten: " + write_error);
      if (refuse) {
        *error = "resolv.conf: " + write_error;
        return false;
      }
      return true;
    }
    report.add("resolv_conf", true, path + " -> nameserver " + address.to_string() + " (restored on exit)");
    return true;
  }

  void stop() noexcept override {
    if (server_) server_->stop();
    std::string why;
    if (!guard_.restore(&why)) context_.log.error("dns", "restoring " + context_.resolv_conf_path + ": " + why);
  }

  void reload(std::shared_ptr<const policy::Policy> policy) override {
    if (server_) server_->reload(std::move(policy));
  }

  void write_metrics(std::string& out) const override {
    if (!server_) return;
    const auto& s = server_->stats();
    const auto v = [](const dnsproxy::DnsStats::Counter& c) { return c.load(std::memory_order_relaxed); };
    append_counter(out, "defender_dns_queries_udp_total", v(s.queries_udp));
    append_counter(out, "defender_dns_queries_tcp_total", v(s.queries_tcp));
    append_counter(out, "defender_dns_answered_total", v(s.answered));
    append_counter(out, "defender_dns_blocked_total", v(s.blocked), "queries denied in prevent mode");
    append_counter(out, "defender_dns_alerted_total", v(s.alerted));
    append_counter(out, "defender_dns_forwarded_total", v(s.forwarded));
    append_counter(out, "defender_dns_cache_hits_total", v(s.cache_hits));
    append_counter(out, "defender_dns_malformed_total", v(s.malformed));
    append_counter(out, "defender_dns_dropped_total", v(s.dropped));
    append_counter(out, "defender_dns_servfail_total", v(s.servfail));
    append_counter(out, "defender_dns_upstream_timeouts_total", v(s.upstream_timeouts));
    append_counter(out, "defender_dns_upstream_failures_total", v(s.upstream_failures));
    append_counter(out, "defender_dns_inflight_full_total", v(s.inflight_full));
    append_counter(out, "defender_dns_tcp_connections_total", v(s.tcp_connections));
  }

 private:
  bool fail(ControlReport& report, std::string* error, const std::string& why) {
    report.add("dns", false, why);
    report.add("resolv_conf", false, "not rewritten: no DNS filter");
    *error = why;
    return false;
  }

  ComponentContext context_;
  ResolvConfGuard guard_;
  std::unique_ptr<dnsproxy::DnsServer> server_;
};

}  // namespace

std::unique_ptr<Component> make_dns_component(const ComponentContext& context) {
  return std::make_unique<DnsComponent>(context);
}

}  // namespace defender::supervisor

#include "cnaf/waf/waf.h"

#include "cnaf/waf/transaction.h"

#include <algorithm>

namespace defender::cnaf::waf {
namespace {

Clock default_clock(Clock clock) {
  if (clock) return clock;
  return [] { return std::chrono::steady_clock::now(); };
}

Verdict refuse(Verdict::Outcome outcome, int status, std::string_view protection,
               std::string_view action, std::string rule, std::string_view client,
               std::string message) {
  Verdict v;
  v.outcome = outcome;
  v.status = status;
  Finding f;
  f.protection = std::string(protection);
  f.action = std::string(action);
  f.rule = std::move(rule);
  f.location = "client";
  f.match = std::string(client);
  f.message = std::move(message);
  v.findings.push_back(std::move(f));
  return v;
}

}  // namespace

WafConfig WafConfig::from_policy(const policy::Policy& policy) {
  const auto& c = policy.cnaf;
  WafConfig w;
  const auto& p = c.protections;
  w.modes = {p.sqli, p.xss, p.cmdi, p.code_injection, p.lfi, p.shellshock,
             p.scanners, p.protocol, p.rfi, p.ssrf, p.nosqli, p.xxe};
  w.block_status = static_cast<int>(c.block_status);
  w.inspect_body_bytes = c.limits.inspect_body_bytes;
  w.ban_seconds = c.ban_seconds;
  w.allow_set = c.allow_set;
  w.deny_set = c.deny_set;
  w.allow_cidrs = c.allow_cidrs;
  w.deny_cidrs = c.deny_cidrs;
  w.rate_limit = c.rate_limit;
  w.allowed_methods = c.allowed_methods;
  return w;
}

Waf::Waf(WafConfig config, WafOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      bans_(options_.client_table_size, default_clock(options_.clock)),
      rate_(config_.rate_limit.requests_per_second, config_.rate_limit.burst,
            options_.client_table_size, default_clock(options_.clock)) {
  if (options_.clean_header_slots > 0)
    clean_headers_ = std::make_unique<CleanHeaderCache>(options_.clean_header_slots,
                                                        options_.clean_header_bytes);
}

Verdict Waf::access(std::string_view client_ip) {
  if (bans_.banned(client_ip)) {
    return refuse(Verdict::Outcome::ban, config_.block_status, "access", "ban", "cnaf.ban_seconds",
                  client_ip, "client is banned");
  }
  if (const auto deny = config_.deny_set.match(client_ip)) {
    std::string rule = "cnaf.access.deny_cidrs[" + std::to_string(*deny) + "]";
    return refuse(Verdict::Outcome::block, config_.block_status, "access", "prevent",
                  std::move(rule), client_ip, "client address is in deny_cidrs");
  }
  if (!config_.allow_set.empty() && !config_.allow_set.match(client_ip)) {
    return refuse(Verdict::Outcome::block, config_.block_status, "access", "prevent",
                  "cnaf.access.allow_cidrs", client_ip, "client address is not in allow_cidrs");
  }
  return {};
}

Verdict Waf::on_connection(std::string_view client_ip) { return access(client_ip); }

Verdict Waf::inspect(const RequestView& request) {
  Verdict early = access(request.client_ip);
  if (!early.allowed()) return early;
  if (rate_.enabled() && !rate_.allow(request.client_ip)) {
    const bool ban = config_.rate_limit.action == policy::Mode::ban;
    if (ban) bans_.ban(request.client_ip, std::chrono::seconds(config_.ban_seconds));
    if (config_.rate_limit.action == policy::Mode::alert) {
      Verdict v = refuse(Verdict::Outcome::allow, 429, "rate_limit", "alert",
                         "cnaf.rate_limit", request.client_ip, "client exceeds the rate limit");
      Verdict rest = inspect_content(request);
      rest.findings.insert(rest.findings.begin(), v.findings.front());
      return rest;
    }
    return refuse(ban ? Verdict::Outcome::ban : Verdict::Outcome::block, 429, "rate_limit",
                  ban ? "ban" : "prevent", "cnaf.rate_limit", request.client_ip,
                  "client exceeds the rate limit");
  }
  Verdict v = inspect_content(request);
  if (v.outcome == Verdict::Outcome::ban)
    bans_.ban(request.client_ip, std::chrono::seconds(config_.ban_seconds));
  return v;
}

Verdict Waf::inspect_content(const RequestView& request) const {
  Transaction t(config_, options_, clean_headers_.get());
  return t.run(request);
}

std::shared_ptr<cnaf::Inspector> make_inspector(const policy::Policy& policy) {
  // Nothing to judge (every protection disabled, no access list, no rate limit): the proxy's
  // allow-all inspector, with which bodies stream through uninspected.
  WafConfig config = WafConfig::from_policy(policy);
  const bool nothing = std::all_of(config.modes.begin(), config.modes.end(),
                                   [](policy::Mode m) { return m == policy::Mode::disable; }) &&
                       config.allow_cidrs.empty() && config.deny_cidrs.empty() &&
                       config.rate_limit.requests_per_second <= 0;
  if (nothing) return std::make_shared<cnaf::AllowAllInspector>();
  return std::make_shared<Waf>(std::move(config));
}

}  // namespace defender::cnaf::waf

// The CNAF web application firewall: a cnaf::Inspector built from the policy's `cnaf`
// section. A request goes through phases as in ModSecurity/Coraza: connection (bans,
// access lists, rate limit), request line and headers (protocol), then every value of the
// request (path, query, cookies, headers, urlencoded/multipart/JSON/XML bodies) decoded and
// handed to the detectors of the enabled protections. The verdict carries one Finding per
// match (protection, location, snippet, rule "cnaf.protections.<name>"); the proxy enforces
// it and writes the events. Thread-safe: the only mutable state is the ban table, the
// rate limiter and the cache of header values and paths found clean, all bounded, sharded
// and locked; the rest is read-only after construction.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cnaf/inspector.h"
#include "cnaf/waf/client_tables.h"
#include "cnaf/waf/protection.h"
#include "policy/policy.h"

namespace defender::cnaf::waf {

struct WafOptions {
  std::size_t max_findings = 8;        // findings kept per request (the first block ends it)
  std::size_t max_parts = 4096;        // values inspected per request; more is a protocol finding
  std::size_t max_json_depth = 64;
  std::size_t client_table_size = 65536;  // rate-limit buckets and bans, each
  std::size_t clean_header_slots = 1024;  // header values and paths remembered clean (0: none)
  std::size_t clean_header_bytes = 512;   // the longest name + value remembered
  Clock clock;                         // empty: std::chrono::steady_clock::now
};

// The settings the WAF keeps from the policy (copied: the Waf outlives no reload).
struct WafConfig {
  std::array<policy::Mode, kProtectionCount> modes{};
  int block_status = 403;
  std::uint64_t inspect_body_bytes = 131072;
  std::uint32_t ban_seconds = 300;
  policy::CidrSet allow_set;
  policy::CidrSet deny_set;
  std::vector<std::string> allow_cidrs;
  std::vector<std::string> deny_cidrs;
  policy::RateLimit rate_limit;
  std::vector<std::string> allowed_methods = policy::CnafSettings{}.allowed_methods;  // the policy's default

  static WafConfig from_policy(const policy::Policy& policy);
  policy::Mode mode(Protection p) const noexcept { return modes[static_cast<std::size_t>(p)]; }
};

class Waf final : public cnaf::Inspector {
 public:
  explicit Waf(WafConfig config, WafOptions options = {});
  explicit Waf(const policy::Policy& policy, WafOptions options = {})
      : Waf(WafConfig::from_policy(policy), std::move(options)) {}

  Verdict on_connection(std::string_view client_ip) override;
  Verdict inspect(const RequestView& request) override;

  // The detection phases alone (no bans, access lists or rate limit), for benches, tests and
  // `policy explain`. Its verdict depends on the request alone (the clean-header cache only
  // skips work whose answer it already knows).
  Verdict inspect_content(const RequestView& request) const;

  const WafConfig& config() const noexcept { return config_; }

 private:
  Verdict access(std::string_view client_ip);

  WafConfig config_;
  WafOptions options_;
  BanTable bans_;
  RateLimiter rate_;
  std::unique_ptr<CleanHeaderCache> clean_headers_;  // null when clean_header_slots is 0
};

// The factory the proxy calls (app/cmd_cnaf.cc): a WAF for the policy's cnaf section.
std::shared_ptr<cnaf::Inspector> make_inspector(const policy::Policy& policy);

}  // namespace defender::cnaf::waf

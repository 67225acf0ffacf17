// The policy of SPEC.md as plain typed structs, parsed and validated once by the loader
// (policy/loader.h) and shared read-only as `std::shared_ptr<const Policy>`. A reload builds
// a new Policy and swaps the pointer; nothing here is mutated after loading.
//
// Keys beyond SPEC.md (all optional, with the defaults below) are marked "ext".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "policy/cidr_set.h"
#include "policy/decision.h"
#include "policy/domain_matcher.h"
#include "policy/process_matcher.h"

namespace defender::policy {

enum class DefaultDecision : std::uint8_t { allow, deny };
enum class BlockedAnswer : std::uint8_t { nxdomain, refused, nodata, null_ip };
enum class OnControlFailure : std::uint8_t { continue_running, refuse };

std::string_view to_string(BlockedAnswer answer) noexcept;

struct ProcessPolicy {
  DefaultDecision default_decision = DefaultDecision::allow;
  Mode action = Mode::prevent;  // inherits the top-level mode
  std::vector<std::string> deny;
  std::vector<std::string> allow;
  ProcessMatcher matcher;

  // Decision for a canonical executable path: "processes.deny[2]", "processes.default", ...
  Decision decide(std::string_view canonical_path) const;
};

struct NetworkPolicy {
  DefaultDecision default_decision = DefaultDecision::allow;
  Mode action = Mode::prevent;
  BlockedAnswer blocked_answer = BlockedAnswer::nxdomain;
  std::vector<std::string> deny;
  std::vector<std::string> allow;
  std::vector<std::string> lists;        // deny-list files, resolved against the policy's folder
  std::vector<std::string> allow_lists;  // ext: allow-list files
  // Shared so a reload that leaves the rules alone could reuse it; never null after load.
  std::shared_ptr<const DomainMatcher> matcher = std::make_shared<DomainMatcher>();
  // Names of the matcher's RuleRef sources: "network.deny", "network.allow", then the
  // list files as written in the policy. A list rule is named "FILE:LINE".
  std::vector<std::string> sources = {"network.deny", "network.allow"};

  // Decision for a queried name (no allocation beyond the returned strings).
  Decision decide(std::string_view name) const;
  // Hot-path form: true when `name` is denied (a matching deny rule, or no match and
  // default deny). `match` receives the deciding rule when there is one.
  bool denies(std::string_view name, std::optional<DomainMatch>* match = nullptr) const noexcept;
  std::string rule_name(const std::optional<DomainMatch>& match) const;
};

struct DnsSettings {
  std::string listen = "127.0.0.1:53";
  std::vector<std::string> upstreams;        // empty: the original /etc/resolv.conf's nameservers
  std::uint32_t timeout_ms = 2000;            // whole budget of a query before SERVFAIL
  std::uint32_t cache_entries = 0;            // ext: answer cache size; 0 turns it off
  std::uint32_t tcp_idle_ms = 10000;          // ext: idle TCP client connections are closed
  std::uint32_t max_tcp_clients = 512;        // ext
  std::uint32_t max_inflight = 4096;          // ext: queries awaiting an upstream answer
  std::uint32_t learned_addresses = 65536;    // ext: bounded table of A/AAAA of allowed names
  std::uint32_t upstream_retry_ms = 5000;     // ext: a down upstream is probed after this
};

struct TlsSettings {
  std::string cert;  // both set: HTTPS with ALPN h2 and http/1.1 (paths resolved like lists)
  std::string key;
  bool enabled() const noexcept { return !cert.empty() && !key.empty(); }
};

// The WAF protections; `ban` allowed on each.
struct Protections {
  Mode sqli = Mode::prevent;
  Mode xss = Mode::prevent;
  Mode cmdi = Mode::prevent;
  Mode code_injection = Mode::prevent;
  Mode lfi = Mode::prevent;
  Mode shellshock = Mode::prevent;
  Mode scanners = Mode::alert;
  Mode protocol = Mode::prevent;
  Mode rfi = Mode::prevent;
  Mode ssrf = Mode::alert;
  Mode nosqli = Mode::prevent;
  Mode xxe = Mode::prevent;
};

struct CnafLimits {
  std::uint64_t max_header_bytes = 16384;
  std::uint32_t max_header_count = 100;              // ext
  std::uint64_t max_body_bytes = 10485760;
  std::uint64_t inspect_body_bytes = 131072;
  std::uint32_t header_timeout_ms = 10000;           // ext: 408 when headers take longer
  std::uint32_t idle_timeout_ms = 60000;             // ext: keep-alive idle close
  std::uint32_t max_connections = 10000;             // ext
  std::uint32_t upstream_connect_timeout_ms = 5000;  // ext: 502 after this
  std::uint32_t upstream_timeout_ms = 60000;         // ext: 504 when the app answers no sooner
  std::uint32_t drain_timeout_ms = 10000;            // ext: SIGTERM grace for in-flight requests
  std::uint32_t upstream_pool_size = 256;            // ext: idle keep-alive connections kept, per thread
  std::uint32_t http2_max_streams = 100;             // ext: concurrent streams per HTTP/2 connection
  std::uint32_t http2_stream_window_bytes = 262144;  // ext: request body bytes a stream may have in flight
  std::uint32_t http2_connection_window_bytes = 1048576;  // ext: the same for a whole connection
};

struct RateLimit {
  double requests_per_second = 0;  // 0: off
  std::uint32_t burst = 0;
  Mode action = Mode::prevent;     // prevent: 429; ban: refuse the client for ban_seconds
};

struct CnafSettings {
  std::string listen = "0.0.0.0:8080";
  std::string upstream = "127.0.0.1:8081";
  TlsSettings tls;
  Protections protections;
  CnafLimits limits;
  std::vector<std::string> allow_cidrs;
  std::vector<std::string> deny_cidrs;
  CidrSet allow_set;  // built from the lists above; empty allow list means everyone
  CidrSet deny_set;
  RateLimit rate_limit;
  std::uint32_t ban_seconds = 300;
  std::uint32_t block_status = 403;  // ext: status of a prevented request
  // ext: request methods the protocol protection lets through (case-sensitive tokens).
  std::vector<std::string> allowed_methods = {"GET", "HEAD", "POST", "OPTIONS"};
};

struct SupervisorSettings {
  std::string user;                         // "user[:group]"; empty: keep the defender's
  std::uint32_t grace_ms = 5000;
  OnControlFailure on_control_failure = OnControlFailure::continue_running;
  bool signal_process_group = false;        // ext: forward signals to the app's process group
  std::uint32_t scan_interval_ms = 2000;    // ext: /proc scan for unsupervised processes; 0 off
  std::uint32_t console_wait_ms = 0;        // ext: wait this long for the console's policy before
                                            // starting the app (with a console link); 0: never
};

struct EventSettings {
  std::string file = "events.jsonl";  // relative to DATA_FOLDER; "-" is stdout
  std::uint32_t queue_size = 8192;     // ext: events waiting for the writer; overflow is counted
  std::uint32_t max_field_bytes = 1024;  // ext: longer fields are cut (never dropped)
};

struct MetricsSettings {
  std::string listen = "127.0.0.1:9464";  // "" turns it off
};

struct Policy {
  int version = 1;
  std::string app_id;
  Mode mode = Mode::prevent;
  std::string path;      // the file it came from ("" for the built-in default)
  std::string base_dir;  // folder that relative paths in the policy are resolved against

  ProcessPolicy processes;
  NetworkPolicy network;
  DnsSettings dns;
  CnafSettings cnaf;
  SupervisorSettings supervisor;
  EventSettings events;
  MetricsSettings metrics;
};

}  // namespace defender::policy

#include "policy/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "policy/endpoint.h"
#include "policy/http_token.h"
#include "policy/list_file.h"
#include "policy/yaml_reader.h"

namespace defender::policy {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxPolicyBytes = std::size_t{16} << 20;
constexpr std::uint32_t kMaxMs = 3'600'000;  // an hour: any longer timeout is a typo

// The lower of two actions: a section default never exceeds the top-level mode.
Mode cap(Mode wanted, Mode ceiling) { return wanted < ceiling ? wanted : ceiling; }

// Reads a whole file, refusing anything over `limit` bytes.
bool read_whole_file(const std::string& path, std::size_t limit, std::string& out, std::string& error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = std::strerror(errno);
    return false;
  }
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec && size > limit) {
    error = "larger than " + std::to_string(limit) + " bytes";
    return false;
  }
  std::ostringstream buffer;
  buffer << file.rdbuf();
  out = std::move(buffer).str();
  if (out.size() > limit) {
    error = "larger than " + std::to_string(limit) + " bytes";
    return false;
  }
  return true;
}

bool valid_user_spec(std::string_view spec) {
  if (spec.empty()) return true;
  const std::size_t colon = spec.find(':');
  auto valid_part = [](std::string_view part) {
    if (part.empty() || part.size() > 64) return false;
    return std::all_of(part.begin(), part.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '-' || c == '.';
    });
  };
  if (colon == std::string_view::npos) return valid_part(spec);
  return valid_part(spec.substr(0, colon)) && valid_part(spec.substr(colon + 1));
}

class Loader {
 public:
  Loader(std::string file, std::string base_dir, const LoadOptions& options)
      : reader_(file, errors_, options.max_errors), options_(options) {
    policy_ = std::make_shared<Policy>();
    policy_->path = std::move(file);
    policy_->base_dir = std::move(base_dir);
  }

  LoadResult load(std::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      reader_.error(e.mark, "not valid YAML or JSON: " + e.msg);
      return finish();
    }
    read_mode_first(root);
    reader_.read_map(root, "", {
        {"version", [&](const YAML::Node& v, const std::string& p) {
           if (reader_.read_uint(v, p, 1, 1000, policy_->version) && policy_->version != 1) {
             reader_.error(v, p + ": this defender reads policy version 1, not " + v.Scalar());
           }
         }},
        {"app_id", [&](const YAML::Node& v, const std::string& p) { reader_.read_string(v, p, policy_->app_id); }},
        {"mode", [](const YAML::Node&, const std::string&) {}},  // read first, see read_mode_first
        {"processes", [&](const YAML::Node& v, const std::string& p) { read_processes(v, p); }},
        {"network", [&](const YAML::Node& v, const std::string& p) { read_network(v, p); }},
        {"dns", [&](const YAML::Node& v, const std::string& p) { read_dns(v, p); }},
        {"cnaf", [&](const YAML::Node& v, const std::string& p) { read_cnaf(v, p); }},
        {"supervisor", [&](const YAML::Node& v, const std::string& p) { read_supervisor(v, p); }},
        {"events", [&](const YAML::Node& v, const std::string& p) { read_events(v, p); }},
        {"metrics", [&](const YAML::Node& v, const std::string& p) { read_metrics(v, p); }},
    });
    build_processes();
    build_network();
    return finish();
  }

 private:
  // The top-level mode is every section's default, so it is read before the sections.
  void read_mode_first(const YAML::Node& root) {
    Mode mode = Mode::prevent;
    if (root.IsMap() && root["mode"]) reader_.read_mode(root["mode"], "mode", false, mode);
    policy_->mode = mode;
    policy_->processes.action = mode;
    policy_->network.action = mode;
    Protections& p = policy_->cnaf.protections;
    for (Mode* m : {&p.sqli, &p.xss, &p.cmdi, &p.code_injection, &p.lfi, &p.shellshock, &p.scanners,
                    &p.protocol, &p.rfi, &p.ssrf, &p.nosqli, &p.xxe}) {
      *m = cap(*m, mode);
    }
    policy_->cnaf.rate_limit.action = cap(policy_->cnaf.rate_limit.action, mode);
  }

  void read_default(const YAML::Node& v, const std::string& p, DefaultDecision& out) {
    std::size_t index = 0;
    if (reader_.read_choice(v, p, {"allow", "deny"}, index)) {
      out = index == 0 ? DefaultDecision::allow : DefaultDecision::deny;
    }
  }

  void read_processes(const YAML::Node& node, const std::string& path) {
    ProcessPolicy& s = policy_->processes;
    reader_.read_map(node, path, {
        {"default", [&](const YAML::Node& v, const std::string& p) { read_default(v, p, s.default_decision); }},
        {"deny", [&](const YAML::Node& v, const std::string& p) { reader_.read_string_list(v, p, s.deny, &process_deny_marks_); }},
        {"allow", [&](const YAML::Node& v, const std::string& p) { reader_.read_string_list(v, p, s.allow, &process_allow_marks_); }},
        {"action", [&](const YAML::Node& v, const std::string& p) { reader_.read_mode(v, p, false, s.action); }},
    });
  }

  void read_network(const YAML::Node& node, const std::string& path) {
    NetworkPolicy& s = policy_->network;
    reader_.read_map(node, path, {
        {"default", [&](const YAML::Node& v, const std::string& p) { read_default(v, p, s.default_decision); }},
        {"deny", [&](const YAML::Node& v, const std::string& p) { reader_.read_string_list(v, p, s.deny, &deny_marks_); }},
        {"allow", [&](const YAML::Node& v, const std::string& p) { reader_.read_string_list(v, p, s.allow, &allow_marks_); }},
        {"lists", [&](const YAML::Node& v, const std::string& p) { reader_.read_string_list(v, p, s.lists, &list_marks_); }},
        {"allow_lists", [&](const YAML::Node& v, const std::string& p) { reader_.read_string_list(v, p, s.allow_lists, &allow_list_marks_); }},
        {"action", [&](const YAML::Node& v, const std::string& p) { reader_.read_mode(v, p, false, s.action); }},
        {"blocked_answer", [&](const YAML::Node& v, const std::string& p) {
           std::size_t index = 0;
           if (reader_.read_choice(v, p, {"nxdomain", "refused", "nodata", "null-ip"}, index)) {
             s.blocked_answer = static_cast<BlockedAnswer>(index);
           }
         }},
    });
  }

  void read_endpoint(const YAML::Node& v, const std::string& p, const EndpointRules& rules,
                     bool allow_empty, std::string& out) {
    if (!reader_.read_string(v, p, out)) return;
    if (out.empty() && allow_empty) return;
    std::string why;
    if (!parse_endpoint(out, rules, &why)) reader_.error(v, p + ": " + why);
  }

  void read_dns(const YAML::Node& node, const std::string& path) {
    DnsSettings& s = policy_->dns;
    reader_.read_map(node, path, {
        {"listen", [&](const YAML::Node& v, const std::string& p) { read_endpoint(v, p, {}, false, s.listen); }},
        {"upstreams", [&](const YAML::Node& v, const std::string& p) {
           std::vector<YAML::Mark> marks;
           if (!reader_.read_string_list(v, p, s.upstreams, &marks)) return;
           for (std::size_t i = 0; i < s.upstreams.size(); ++i) {
             std::string why;
             if (!parse_endpoint(s.upstreams[i], {53, false}, &why)) {
               reader_.error(marks[i], p + "[" + std::to_string(i) + "]: " + why);
             }
           }
         }},
        {"timeout_ms", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 10, 60000, s.timeout_ms); }},
        {"cache_entries", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 0, 10'000'000, s.cache_entries); }},
        {"tcp_idle_ms", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 100, kMaxMs, s.tcp_idle_ms); }},
        {"max_tcp_clients", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 1, 1'000'000, s.max_tcp_clients); }},
        {"max_inflight", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 1, 1'000'000, s.max_inflight); }},
        {"learned_addresses", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 0, 10'000'000, s.learned_addresses); }},
        {"upstream_retry_ms", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 100, kMaxMs, s.upstream_retry_ms); }},
    });
  }

  void read_cnaf(const YAML::Node& node, const std::string& path) {
    CnafSettings& s = policy_->cnaf;
    reader_.read_map(node, path, {
        {"listen", [&](const YAML::Node& v, const std::string& p) { read_endpoint(v, p, {}, false, s.listen); }},
        {"upstream", [&](const YAML::Node& v, const std::string& p) { read_endpoint(v, p, {0, true}, false, s.upstream); }},
        {"tls", [&](const YAML::Node& v, const std::string& p) { read_tls(v, p); }},
        {"protections", [&](const YAML::Node& v, const std::string& p) { read_protections(v, p); }},
        {"limits", [&](const YAML::Node& v, const std::string& p) { read_limits(v, p); }},
        {"access", [&](const YAML::Node& v, const std::string& p) {
           reader_.read_map(v, p, {
               {"allow_cidrs", [&](const YAML::Node& w, const std::string& q) { read_cidrs(w, q, s.allow_cidrs, s.allow_set); }},
               {"deny_cidrs", [&](const YAML::Node& w, const std::string& q) { read_cidrs(w, q, s.deny_cidrs, s.deny_set); }},
           });
         }},
        {"rate_limit", [&](const YAML::Node& v, const std::string& p) {
           reader_.read_map(v, p, {
               {"requests_per_second", [&](const YAML::Node& w, const std::string& q) { reader_.read_number(w, q, 0, 1e9, s.rate_limit.requests_per_second); }},
               {"burst", [&](const YAML::Node& w, const std::string& q) { reader_.read_uint(w, q, 0, 1'000'000'000, s.rate_limit.burst); }},
               {"action", [&](const YAML::Node& w, const std::string& q) { reader_.read_mode(w, q, true, s.rate_limit.action); }},
           });
         }},
        {"ban_seconds", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 1, 31'536'000, s.ban_seconds); }},
        {"block_status", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 400, 599, s.block_status); }},
        {"allowed_methods", [&](const YAML::Node& v, const std::string& p) { read_methods(v, p, s.allowed_methods); }},
    });
  }

  // Request methods: HTTP tokens (RFC 9110 tchar), each once, at least one.
  void read_methods(const YAML::Node& v, const std::string& p, std::vector<std::string>& out) {
    std::vector<YAML::Mark> marks;
    std::vector<std::string> methods;
    if (!reader_.read_string_list(v, p, methods, &marks)) return;
    if (methods.empty()) {
      reader_.error(v, p + ": name at least one method (an empty list would refuse every request)");
      return;
    }
    std::set<std::string> seen;
    bool ok = true;
    for (std::size_t i = 0; i < methods.size(); ++i) {
      const std::string item = p + "[" + std::to_string(i) + "]";
      const std::string& m = methods[i];
      if (m.size() > 32 || !is_token(m)) {
        reader_.error(marks[i], item + ": '" + m + "' is not a method (letters, digits and !#$%&'*+-.^_`|~, at most 32)");
        ok = false;
      } else if (!seen.insert(m).second) {
        reader_.error(marks[i], item + ": duplicate method '" + m + "'");
        ok = false;
      }
    }
    if (ok) out = std::move(methods);
  }

  void read_tls(const YAML::Node& node, const std::string& path) {
    TlsSettings& tls = policy_->cnaf.tls;
    YAML::Mark at = node.Mark();
    reader_.read_map(node, path, {
        {"cert", [&](const YAML::Node& v, const std::string& p) { read_readable_path(v, p, tls.cert); }},
        {"key", [&](const YAML::Node& v, const std::string& p) { read_readable_path(v, p, tls.key); }},
    });
    if (tls.cert.empty() != tls.key.empty()) {
      reader_.error(at, path + ": set both cert and key (or neither)");
    }
  }

  // A file the policy names: resolved against the policy's folder, and it must be readable.
  void read_readable_path(const YAML::Node& v, const std::string& p, std::string& out) {
    if (!reader_.read_string(v, p, out) || out.empty()) return;
    out = resolve(out);
    std::ifstream probe(out);
    if (!probe) reader_.error(v, p + ": cannot read '" + out + "': " + std::strerror(errno));
  }

  void read_protections(const YAML::Node& node, const std::string& path) {
    Protections& s = policy_->cnaf.protections;
    auto mode = [&](Mode& out) {
      return [&out, this](const YAML::Node& v, const std::string& p) { reader_.read_mode(v, p, true, out); };
    };
    reader_.read_map(node, path, {
        {"sqli", mode(s.sqli)}, {"xss", mode(s.xss)}, {"cmdi", mode(s.cmdi)},
        {"code_injection", mode(s.code_injection)}, {"lfi", mode(s.lfi)},
        {"shellshock", mode(s.shellshock)}, {"scanners", mode(s.scanners)},
        {"protocol", mode(s.protocol)}, {"rfi", mode(s.rfi)}, {"ssrf", mode(s.ssrf)},
        {"nosqli", mode(s.nosqli)}, {"xxe", mode(s.xxe)},
    });
  }

  void read_limits(const YAML::Node& node, const std::string& path) {
    CnafLimits& s = policy_->cnaf.limits;
    auto ms = [&](std::uint32_t& out) {
      return [&out, this](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 10, kMaxMs, out); };
    };
    reader_.read_map(node, path, {
        {"max_header_bytes", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 1024, 1 << 24, s.max_header_bytes); }},
        {"max_header_count", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 1, 10000, s.max_header_count); }},
        {"max_body_bytes", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 0, std::uint64_t{1} << 40, s.max_body_bytes); }},
        {"inspect_body_bytes", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 0, 1 << 26, s.inspect_body_bytes); }},
        {"header_timeout_ms", ms(s.header_timeout_ms)},
        {"idle_timeout_ms", ms(s.idle_timeout_ms)},
        {"max_connections", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 1, 1'000'000, s.max_connections); }},
        {"upstream_connect_timeout_ms", ms(s.upstream_connect_timeout_ms)},
        {"upstream_timeout_ms", ms(s.upstream_timeout_ms)},
        {"drain_timeout_ms", ms(s.drain_timeout_ms)},
        {"upstream_pool_size", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 0, 100000, s.upstream_pool_size); }},
        {"http2_max_streams", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 1, 10000, s.http2_max_streams); }},
        {"http2_stream_window_bytes", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 65535, (1u << 31) - 1, s.http2_stream_window_bytes); }},
        {"http2_connection_window_bytes", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 65535, (1u << 31) - 1, s.http2_connection_window_bytes); }},
    });
  }

  void read_cidrs(const YAML::Node& v, const std::string& p, std::vector<std::string>& out, CidrSet& set) {
    std::vector<YAML::Mark> marks;
    if (!reader_.read_string_list(v, p, out, &marks)) return;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const std::string item = p + "[" + std::to_string(i) + "]";
      if (!seen.insert(out[i]).second) {
        reader_.error(marks[i], item + ": duplicate rule '" + out[i] + "'");
      } else if (const auto why = set.add(out[i], static_cast<std::uint32_t>(i))) {
        reader_.error(marks[i], item + ": bad CIDR: " + *why);
      }
    }
  }

  void read_supervisor(const YAML::Node& node, const std::string& path) {
    SupervisorSettings& s = policy_->supervisor;
    reader_.read_map(node, path, {
        {"user", [&](const YAML::Node& v, const std::string& p) {
           if (reader_.read_string(v, p, s.user) && !valid_user_spec(s.user)) {
             reader_.error(v, p + ": '" + s.user + "' is not USER or USER:GROUP (names or numeric ids)");
           }
         }},
        {"grace_ms", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 0, kMaxMs, s.grace_ms); }},
        {"on_control_failure", [&](const YAML::Node& v, const std::string& p) {
           std::size_t index = 0;
           if (reader_.read_choice(v, p, {"continue", "refuse"}, index)) {
             s.on_control_failure = index == 0 ? OnControlFailure::continue_running : OnControlFailure::refuse;
           }
         }},
        {"signal_process_group", [&](const YAML::Node& v, const std::string& p) { reader_.read_bool(v, p, s.signal_process_group); }},
        {"scan_interval_ms", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 0, kMaxMs, s.scan_interval_ms); }},
        {"console_wait_ms", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 0, kMaxMs, s.console_wait_ms); }},
    });
  }

  void read_events(const YAML::Node& node, const std::string& path) {
    EventSettings& s = policy_->events;
    reader_.read_map(node, path, {
        {"file", [&](const YAML::Node& v, const std::string& p) {
           if (reader_.read_string(v, p, s.file) && s.file.empty()) {
             reader_.error(v, p + ": empty; use \"-\" for stdout");
           }
         }},
        {"queue_size", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 16, 10'000'000, s.queue_size); }},
        {"max_field_bytes", [&](const YAML::Node& v, const std::string& p) { reader_.read_uint(v, p, 128, 1 << 20, s.max_field_bytes); }},
    });
  }

  void read_metrics(const YAML::Node& node, const std::string& path) {
    reader_.read_map(node, path, {
        {"listen", [&](const YAML::Node& v, const std::string& p) { read_endpoint(v, p, {}, true, policy_->metrics.listen); }},
    });
  }

  void build_processes() {
    ProcessPolicy& s = policy_->processes;
    auto compile = [&](const std::vector<std::string>& patterns, const std::vector<YAML::Mark>& marks,
                       const char* name) {
      std::vector<Glob> globs;
      std::set<std::string_view> seen;
      for (std::size_t i = 0; i < patterns.size() && i < marks.size(); ++i) {
        const std::string item = std::string(name) + "[" + std::to_string(i) + "]";
        std::string why;
        if (!seen.insert(patterns[i]).second) {
          reader_.error(marks[i], item + ": duplicate rule '" + patterns[i] + "'");
        } else if (auto glob = Glob::compile(patterns[i], &why)) {
          globs.push_back(std::move(*glob));
        } else {
          reader_.error(marks[i], item + ": bad glob: " + why);
        }
      }
      return globs;
    };
    auto deny = compile(s.deny, process_deny_marks_, "processes.deny");
    auto allow = compile(s.allow, process_allow_marks_, "processes.allow");
    s.matcher = ProcessMatcher(std::move(deny), std::move(allow));
  }

  void build_network() {
    NetworkPolicy& s = policy_->network;
    DomainMatcher::Builder builder;
    builder.reserve(s.deny.size() + s.allow.size());
    auto add_inline = [&](const std::vector<std::string>& rules, const std::vector<YAML::Mark>& marks,
                          std::uint32_t source, bool deny) {
      for (std::size_t i = 0; i < rules.size() && i < marks.size(); ++i) {
        if (auto why = builder.add(rules[i], deny, {source, static_cast<std::uint32_t>(i)})) {
          reader_.error(marks[i], s.sources[source] + "[" + std::to_string(i) + "]: bad domain rule '" +
                                      rules[i] + "': " + *why);
        }
      }
    };
    add_inline(s.deny, deny_marks_, 0, true);
    add_inline(s.allow, allow_marks_, 1, false);
    auto add_lists = [&](const std::vector<std::string>& lists, const std::vector<YAML::Mark>& marks,
                         bool deny, const char* key) {
      for (std::size_t i = 0; i < lists.size() && i < marks.size(); ++i) {
        const auto source = static_cast<std::uint32_t>(s.sources.size());
        s.sources.push_back(lists[i]);
        add_list_file(builder, lists[i], marks[i], std::string(key) + "[" + std::to_string(i) + "]",
                      source, deny);
      }
    };
    add_lists(s.lists, list_marks_, true, "network.lists");
    add_lists(s.allow_lists, allow_list_marks_, false, "network.allow_lists");

    DomainMatcher::Builder::Result built = std::move(builder).build();
    for (const auto& [duplicate, first] : built.duplicates) {
      // Inline duplicates are mistakes worth fixing; list files (often downloaded) may repeat.
      if (duplicate.source >= 2) continue;
      const auto& marks = duplicate.source == 0 ? deny_marks_ : allow_marks_;
      const auto& rules = duplicate.source == 0 ? s.deny : s.allow;
      if (duplicate.index >= marks.size()) continue;
      std::string first_name = first.source < 2
                                   ? s.sources[first.source] + "[" + std::to_string(first.index) + "]"
                                   : s.sources[first.source] + ":" + std::to_string(first.index);
      reader_.error(marks[duplicate.index], s.sources[duplicate.source] + "[" +
                                                std::to_string(duplicate.index) + "]: duplicate rule '" +
                                                rules[duplicate.index] + "' (same as " + first_name + ")");
    }
    s.matcher = std::make_shared<const DomainMatcher>(std::move(built.matcher));
  }

  void add_list_file(DomainMatcher::Builder& builder, const std::string& name, const YAML::Mark& mark,
                     const std::string& item, std::uint32_t source, bool deny) {
    const std::string path = resolve(name);
    std::string text;
    std::string why;
    if (!read_whole_file(path, options_.max_list_file_bytes, text, why)) {
      reader_.error(mark, item + ": cannot read list file '" + path + "': " + why);
      return;
    }
    parse_list(
        text,
        [&](const ListEntry& entry) {
          if (auto bad = builder.add(entry.name, deny, {source, static_cast<std::uint32_t>(entry.line)})) {
            reader_.error_in(path, entry.line, entry.column,
                             "bad domain name '" + std::string(entry.name) + "': " + *bad);
          }
          return errors_.size() <= options_.max_errors;
        },
        [&](int line, int column, std::string_view message) {
          reader_.error_in(path, line, column, std::string(message));
          return errors_.size() <= options_.max_errors;
        });
  }

  std::string resolve(const std::string& relative) const {
    if (relative.empty() || fs::path(relative).is_absolute()) return relative;
    return (fs::path(policy_->base_dir) / relative).lexically_normal().string();
  }

  LoadResult finish() {
    LoadResult result;
    if (errors_.empty()) {
      result.policy = std::move(policy_);
      return result;
    }
    // Policy file first, then list files; each in reading order.
    std::stable_sort(errors_.begin(), errors_.end(), [&](const Diagnostic& a, const Diagnostic& b) {
      const bool a_main = a.file == reader_.file();
      const bool b_main = b.file == reader_.file();
      if (a_main != b_main) return a_main;
      if (a.file != b.file) return false;
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    result.errors = std::move(errors_);
    return result;
  }

  std::vector<Diagnostic> errors_;
  YamlReader reader_;
  LoadOptions options_;
  std::shared_ptr<Policy> policy_;
  std::vector<YAML::Mark> process_deny_marks_, process_allow_marks_;
  std::vector<YAML::Mark> deny_marks_, allow_marks_, list_marks_, allow_list_marks_;
};

}  // namespace

std::string Diagnostic::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

LoadResult load_policy_text(std::string_view text, const std::string& name,
                            const std::string& base_dir, const LoadOptions& options) {
  return Loader(name, base_dir, options).load(text);
}

LoadResult load_policy_file(const std::string& path, const LoadOptions& options) {
  std::string text;
  std::string why;
  if (!read_whole_file(path, kMaxPolicyBytes, text, why)) {
    LoadResult result;
    result.errors.push_back({path, 0, 0, "cannot read policy: " + why});
    return result;
  }
  std::string base = fs::path(path).parent_path().string();
  if (base.empty()) base = ".";
  return load_policy_text(text, path, base, options);
}

std::shared_ptr<const Policy> builtin_policy() {
  auto policy = std::make_shared<Policy>();
  policy->base_dir = ".";
  return policy;
}

}  // namespace defender::policy

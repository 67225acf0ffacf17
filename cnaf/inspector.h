// The inspection point of the CNAF proxy. The proxy hands each request (head, and body up to
// `inspect_body_bytes`) to an Inspector and enforces the verdict it returns before the request
// goes upstream. The WAF (cnaf/waf/) implements it; the proxy's default inspector allows all.
// Views point into the proxy's buffers and are valid only during the call.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace defender::cnaf {

struct HeaderView {
  std::string_view name;   // as received (HTTP/2: lower case)
  std::string_view value;
};

struct RequestView {
  std::string_view request_id;
  std::string_view client_ip;     // textual, no port
  std::string_view method;
  std::string_view target;        // origin form as received: path and query, still encoded
  std::string_view http_version;  // "HTTP/1.0", "HTTP/1.1", "HTTP/2"
  std::span<const HeaderView> headers;
  std::string_view body;          // the first inspect_body_bytes of the body (may be empty)
  bool body_truncated = false;    // the body is longer than `body`
  bool tls = false;
};

// One thing an inspector found: one event each.
struct Finding {
  std::string protection;  // sqli | xss | ... | protocol | access | rate_limit
  std::string action;      // alert | prevent | ban
  std::string rule;        // e.g. "cnaf.protections.sqli"
  std::string location;    // "query:id", "header:user-agent", "body:json:$.a.b", "path"
  std::string match;       // the matching snippet (cut to 128 bytes by the event writer)
  std::string message;     // one human sentence
};

struct Verdict {
  enum class Outcome : std::uint8_t { allow, block, ban };
  Outcome outcome = Outcome::allow;  // block: answer `status`; ban: also refuse the client
  int status = 403;
  std::vector<Finding> findings;     // alerts included: a request can be allowed with findings
  bool allowed() const noexcept { return outcome == Outcome::allow; }
};

// Runs on the proxy's I/O threads: implementations are thread-safe.
class Inspector {
 public:
  virtual ~Inspector() = default;
  // Before reading anything from a new connection (access lists, bans).
  virtual Verdict on_connection(std::string_view client_ip) = 0;
  virtual Verdict inspect(const RequestView& request) = 0;
};

// Allows everything; the proxy's inspector until the WAF is plugged in.
class AllowAllInspector final : public Inspector {
 public:
  Verdict on_connection(std::string_view) override { return {}; }
  Verdict inspect(const RequestView&) override { return {}; }
};

}  // namespace defender::cnaf

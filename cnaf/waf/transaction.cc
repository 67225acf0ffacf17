#include "cnaf/waf/transaction.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <utility>

#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/plain_words.h"
#include "cnaf/waf/protocol_checks.h"
#include "cnaf/waf/simd.h"
#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"
#include "cnaf/waf/waf.h"

namespace defender::cnaf::waf {
namespace {

constexpr std::uint32_t bit(Protection p) { return 1u << static_cast<unsigned>(p); }

constexpr std::uint32_t kValueChecks =
    bit(Protection::sqli) | bit(Protection::xss) | bit(Protection::cmdi) |
    bit(Protection::code_injection) | bit(Protection::lfi) | bit(Protection::rfi) |
    bit(Protection::ssrf) | bit(Protection::nosqli) | bit(Protection::xxe) |
    bit(Protection::shellshock) | bit(Protection::protocol) | bit(Protection::scanners);
constexpr std::uint32_t kNameChecks = bit(Protection::sqli) | bit(Protection::xss) |
                                      bit(Protection::code_injection) | bit(Protection::nosqli) |
                                      bit(Protection::protocol) | bit(Protection::shellshock) |
                                      bit(Protection::ssrf) | bit(Protection::lfi);
constexpr std::uint32_t kFreeHeaderChecks =
    kValueChecks & ~(bit(Protection::rfi) | bit(Protection::ssrf) | bit(Protection::nosqli));
constexpr std::uint32_t kFixedHeaderChecks =
    bit(Protection::shellshock) | bit(Protection::code_injection);

std::uint32_t checks_for(Source s) {
  switch (s) {
    case Source::path:
      return bit(Protection::lfi) | bit(Protection::xss) | bit(Protection::code_injection) |
             bit(Protection::cmdi) | bit(Protection::protocol);
    case Source::path_segment:
      return bit(Protection::sqli) | bit(Protection::xss) | bit(Protection::nosqli) |
             bit(Protection::code_injection);
    case Source::query_name: case Source::form_name: case Source::json_key:
    case Source::cookie_name: case Source::multipart_name:
      return kNameChecks;
    case Source::multipart_filename:
      return bit(Protection::lfi) | bit(Protection::xss) | bit(Protection::sqli) |
             bit(Protection::cmdi) | bit(Protection::code_injection);
    case Source::xml_raw:
      return bit(Protection::xxe);
    case Source::body_raw:
      return kValueChecks & ~(bit(Protection::rfi) | bit(Protection::ssrf));
    case Source::cookie:
      return kValueChecks & ~(bit(Protection::rfi) | bit(Protection::ssrf));
    case Source::header:
      return kFreeHeaderChecks;
    default:
      return kValueChecks;
  }
}

// Headers whose values are structured or opaque tokens: only Shellshock and Log4Shell,
// which attack the server's own handling of any header.
bool fixed_header(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 27> kFixed = {
      "accept", "accept-encoding", "accept-language", "authorization", "cache-control",
      "connection", "content-length", "content-type", "host", "if-modified-since",
      "if-none-match", "pragma", "te", "upgrade-insecure-requests", "dnt", "priority",
      "origin", "content-encoding", "transfer-encoding", "x-requested-with", "x-csrf-token",
      "x-xsrf-token", "range", "if-match", "keep-alive", "upgrade", "accept-charset"};
  if (lower_name.starts_with("sec-") || lower_name.starts_with(":")) return true;
  for (const auto f : kFixed)
    if (lower_name == f) return true;
  return false;
}

// Where a URL starts inside a path ("/a/https://x" -> 3), or npos: a scheme at the start of a
// segment followed by "://" (or its encoding).
std::size_t embedded_url(std::string_view path) {
  for (std::size_t p = path.find(':'); p != std::string_view::npos; p = path.find(':', p + 1)) {
    if (path.compare(p, 3, "://") != 0) continue;
    std::size_t b = p;
    while (b > 0 && ((path[b - 1] >= 'a' && path[b - 1] <= 'z') || (path[b - 1] >= 'A' && path[b - 1] <= 'Z')))
      --b;
    if (b > 0 && b < p && path[b - 1] == '/') return b;
  }
  for (std::size_t p = path.find('%'); p != std::string_view::npos; p = path.find('%', p + 1)) {
    if (p + 9 > path.size()) break;
    bool enc = true;
    constexpr std::string_view kSep = "%3a%2f%2f";
    for (std::size_t k = 0; k < kSep.size(); ++k) enc &= ascii_lower(path[p + k]) == kSep[k];
    if (!enc) continue;
    std::size_t b = p;
    while (b > 0 && ((path[b - 1] >= 'a' && path[b - 1] <= 'z') || (path[b - 1] >= 'A' && path[b - 1] <= 'Z')))
      --b;
    if (b > 0 && b < p && path[b - 1] == '/') return b;
  }
  return std::string_view::npos;
}

// A form or query argument name that holds a quote: the value was cut at an '=' that
// belongs to the injected SQL ("'admin', '1'='1'").
bool quoted_name(std::string_view raw_name) {
  for (std::size_t p = 0; p < raw_name.size(); ++p) {
    const char c = raw_name[p];
    if (c == '\'' || c == '"') return true;
    if (c == '%' && (raw_name.compare(p, 3, "%27") == 0 || raw_name.compare(p, 3, "%22") == 0)) return true;
  }
  return false;
}

// A parameter name that carries a session identifier (jsessionid, PHPSESSID, cftoken ...),
// in any case; `raw` is 3 to 32 bytes.
bool session_identifier(std::string_view raw) {
  static constexpr std::array<std::string_view, 16> kSessionNames = {
      "jsessionid", "phpsessid", "asp.net_sessionid", "aspsessionid", "sessionid", "session_id",
      "laravel_session", "connect.sid", "_session_id", "rack.session", "play_session",
      "_flask_session", "sessid", "cfid", "cftoken", "next-auth.session-token"};
  // Every name above holds "ses" or "sid" or starts with "cf"; meteor_login_token is 18 bytes
  // long: most names are none of them, and are not copied. From 4 to 15 bytes, one without an
  // 's' is none (16 at a time: only 'S' and 's' are 's' with bit 5 set).
  const auto at = [&](std::size_t k) { return ascii_lower(raw[k]); };
  if (raw.size() >= 4 && raw.size() < 16 && !(at(0) == 'c' && at(1) == 'f') &&
      simd::bits(simd::equal(simd::load_short(raw.data(), raw.size()) | simd::splat(0x20), 's')) == 0)
    return false;
  bool candidate = (at(0) == 'c' && at(1) == 'f') || raw.size() == 18;
  for (std::size_t k = 0; k + 2 < raw.size() && !candidate; ++k)
    candidate = at(k) == 's' && ((at(k + 1) == 'e' && at(k + 2) == 's') || (at(k + 1) == 'i' && at(k + 2) == 'd'));
  if (!candidate) return false;
  char buf[32];
  for (std::size_t k = 0; k < raw.size(); ++k) buf[k] = at(k);
  const std::string_view lower(buf, raw.size());
  if (lower.starts_with("aspsessionid") || (lower.ends_with("_session") && lower.size() > 8) ||
      lower == "meteor_login_token")
    return true;
  for (const std::string_view name : kSessionNames)
    if (lower == name) return true;
  return false;
}

// A header name is `lower` (a lower-case name) in any case.
bool named(std::string_view name, std::string_view lower) noexcept {
  if (name.size() != lower.size()) return false;
  for (std::size_t k = 0; k < name.size(); ++k)
    if (ascii_lower(name[k]) != lower[k]) return false;
  return true;
}

// The request declares a Content-Length of at most `limit` (the body was cut at the limit
// before its end was seen, but it ends there).
bool within(const RequestView& request, std::uint64_t limit) {
  for (const auto& h : request.headers) {
    if (!named(h.name, "content-length")) continue;
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(h.value.data(), h.value.data() + h.value.size(), n);
    return ec == std::errc() && end == h.value.data() + h.value.size() && n <= limit;
  }
  return false;
}

std::string_view source_prefix(Source s) {
  switch (s) {
    case Source::path: case Source::path_segment: return "path";
    case Source::query: return "query:";
    case Source::query_name: return "query-name:";
    case Source::form: return "body:form:";
    case Source::form_name: return "body:form-name:";
    case Source::multipart: return "body:multipart:";
    case Source::multipart_name: return "body:multipart-name:";
    case Source::multipart_filename: return "body:multipart-filename:";
    case Source::json: return "body:json:";
    case Source::json_key: return "body:json-key:";
    case Source::xml: case Source::xml_raw: return "body:xml";
    case Source::body_raw: return "body";
    case Source::cookie: return "cookie:";
    case Source::cookie_name: return "cookie-name:";
    case Source::header: return "header:";
  }
  return "request";
}

}  // namespace

Transaction::Transaction(const WafConfig& config, const WafOptions& options,
                         CleanHeaderCache* clean_headers)
    : config_(config), options_(options), clean_headers_(clean_headers) {
  for (std::size_t k = 0; k < kProtectionCount; ++k)
    if (config_.modes[k] != policy::Mode::disable) enabled_ |= 1u << k;
}

PartLimits Transaction::part_limits() const {
  // (visit only inspects values: inert ones need not reach it)
  return PartLimits{.max_parts = options_.max_parts, .max_depth = options_.max_json_depth, .skip_inert = true};
}

bool Transaction::enabled(Protection p) const {
  return config_.mode(p) != policy::Mode::disable;
}

bool Transaction::add(Protection p, Source source, std::string_view name,
                      std::string_view snippet, std::string_view message) {
  const policy::Mode mode = config_.mode(p);
  if (mode == policy::Mode::disable) return true;
  ++detections_;  // counted past max_findings: "clean" means no detection at all
  if (verdict_.findings.size() < options_.max_findings) {
    Finding f;
    f.protection = std::string(to_string(p));
    f.action = std::string(policy::to_string(mode));
    f.rule = "cnaf.protections.";
    f.rule.append(to_string(p));
    f.location = std::string(source_prefix(source));
    if (source != Source::path && source != Source::path_segment && source != Source::xml &&
        source != Source::xml_raw && source != Source::body_raw) {
      f.location.append(name.substr(0, 128));
    } else if (!name.empty() && source == Source::header) {
      f.location.append(name);
    }
    f.match = std::string(snippet.substr(0, 128));
    f.message = std::string(message);
    verdict_.findings.push_back(std::move(f));
  }
  if (mode == policy::Mode::prevent && verdict_.outcome == Verdict::Outcome::allow) {
    verdict_.outcome = Verdict::Outcome::block;
    verdict_.status = config_.block_status;
  } else if (mode == policy::Mode::ban) {
    verdict_.outcome = Verdict::Outcome::ban;
    verdict_.status = config_.block_status;
  }
  if (mode == policy::Mode::prevent || mode == policy::Mode::ban) stop_ = true;
  return !stop_;
}

Verdict Transaction::run(const RequestView& request) {
  std::string_view host, referer;
  for (const auto& h : request.headers) {
    if (named(h.name, "host") || h.name == ":authority") host = h.value;
    if (named(h.name, "referer")) referer = h.value;
  }
  if (!referer.empty() && !host.empty()) {
    const std::size_t scheme = referer.find("://");
    std::string_view rh = scheme == std::string_view::npos ? referer : referer.substr(scheme + 3);
    rh = rh.substr(0, rh.find_first_of("/?#"));
    foreign_referer_ = rh != host;
  }
  protocol_phase(request);
  if (!stop_) headers_phase(request);
  if (!stop_) body_phase(request);
  return std::move(verdict_);
}

void Transaction::protocol_phase(const RequestView& request) {
  ProtocolIssue issue;
  if (enabled(Protection::protocol) && check_request_line_and_headers(request, config_.allowed_methods, issue)) {
    if (!add(Protection::protocol, Source::header, issue.where, issue.snippet, issue.message))
      return;
  }
  // Path and query.
  std::string_view target = request.target;
  if (target.size() > 7 && (target.starts_with("http://") || target.starts_with("https://"))) {
    const std::size_t slash = target.find('/', target.find("//") + 2);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  const std::size_t hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  // Paths repeat from request to request ("/", "/api/items", assets): one found clean before,
  // by every check, is clean again. Kept in the clean-header cache under a name no header
  // can have (names are tokens: no blank).
  constexpr std::string_view kPathName = " path";
  const bool cacheable = clean_headers_ != nullptr && clean_headers_->fits(kPathName, path);
  if (!cacheable || !clean_headers_->contains(kPathName, path)) {
    const std::size_t detections_before = detections_;
    if (!path_phase(path)) return;
    if (cacheable && detections_ == detections_before && verdict_.outcome == Verdict::Outcome::allow)
      clean_headers_->insert(kPathName, path);
  }
  if (!query.empty()) {
    PartWalker walker(*this, part_limits());
    walker.query(query, Source::query, Source::query_name);
    if (walker.notes().too_many_parts && !stop_)
      add(Protection::protocol, Source::query, "*", {}, "too many query arguments");
    if (!stop_ && quoted_names_ && query.size() < 65536)
      inspect_value(Source::query, "*", query, true, bit(Protection::sqli));
    quoted_names_ = false;
    // Unencoded HTML entities ("&#106;" "&lt;") cut the query into pieces at their '&':
    // the application may still see them whole, so the whole query is read once more.
    // (the walker notes the entities it passed; it did not pass them all when it stopped early)
    const bool entity = walker.notes().too_many_parts ? has_raw_entity(query) : walker.notes().raw_entity;
    if (!stop_ && (entity || query.find(' ') != std::string_view::npos ||
                   query.find("&&") != std::string_view::npos || query.find("&lt") != std::string_view::npos))
      inspect_value(Source::query, "*", query, true,
                    checks_for(Source::query) & (bit(Protection::xss) | bit(Protection::cmdi) |
                                                 bit(Protection::code_injection)));
  }
}

bool Transaction::path_phase(std::string_view path) {
  if (!inspect_value(Source::path, {}, path, true, checks_for(Source::path))) return false;
  // A URL carried in the path (/proxy/http://169.254.169.254/..., /get/ftp://10.0.0.1/x):
  // open proxies and include handlers read it from there. RFI and SSRF read it from its scheme.
  if (const std::size_t u = embedded_url(path); u != std::string_view::npos &&
      !inspect_value(Source::path, {}, path.substr(u), true, bit(Protection::rfi) | bit(Protection::ssrf)))
    return false;
  // Segments, for the detectors that read a value from its start.
  std::size_t i = 0;
  while (i < path.size() && !stop_) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j - i >= 2 && !inspect_value(Source::path_segment, {}, path.substr(i, j - i), true,
                                     checks_for(Source::path_segment)))
      return false;
    i = j + 1;
  }
  return !stop_;
}

void Transaction::headers_phase(const RequestView& request) {
  std::string lower_name;
  for (const auto& h : request.headers) {
    if (stop_) return;
    to_lower(h.name, lower_name);
    if (lower_name == "cookie") {
      PartWalker walker(*this, part_limits());
      walker.cookies(h.value);
      continue;
    }
    std::uint32_t checks = fixed_header(lower_name) ? kFixedHeaderChecks : kFreeHeaderChecks;
    if (lower_name == "user-agent") checks |= bit(Protection::scanners);
    if (lower_name == "referer") checks &= ~(bit(Protection::lfi));
    if (lower_name.starts_with("x-") || lower_name == "from" || lower_name == "via")
      checks |= bit(Protection::scanners);
    // Header names and values arrive raw; decoding them as a browser-sent URL would be wrong,
    // but attackers percent-encode in Referer and custom headers: decode like a value.
    const bool cacheable = clean_headers_ != nullptr && h.value.size() >= 2 &&
                           clean_headers_->fits(lower_name, h.value);
    if (cacheable && clean_headers_->contains(lower_name, h.value)) continue;
    const std::size_t detections_before = detections_;
    if (!inspect_value(Source::header, lower_name, h.value, false, checks)) return;
    if (cacheable && detections_ == detections_before && verdict_.outcome == Verdict::Outcome::allow)
      clean_headers_->insert(lower_name, h.value);
  }
}

void Transaction::body_phase(const RequestView& request) {
  if (request.body.empty()) return;
  std::string_view body = request.body;
  if (body.size() > config_.inspect_body_bytes) body = body.substr(0, config_.inspect_body_bytes);
  std::string_view content_type;
  for (const auto& h : request.headers)
    if (named(h.name, "content-type")) content_type = h.value;
  const std::string_view media = media_type(content_type, media_);
  if (!allowed_charset(content_type) &&
      !add(Protection::protocol, Source::header, "content-type", content_type,
           "protocol: request body in a charset WAFs cannot read"))
    return;
  PartWalker walker(*this, part_limits());
  const bool truncated = request.body_truncated || body.size() < request.body.size();
  const auto is_json = [&] {
    return media == "application/json" || media == "text/json" || media.ends_with("+json") ||
           media == "application/csp-report" || media == "application/x-ndjson";
  };
  const auto is_xml = [&] {
    return media == "text/xml" || media == "application/xml" || media.ends_with("+xml");
  };
  std::size_t first = 0;
  while (first < body.size() && (body[first] == ' ' || body[first] == '\n' || body[first] == '\r' || body[first] == '\t')) ++first;
  const char lead = first < body.size() ? body[first] : '\0';
  if (media == "application/x-www-form-urlencoded") {
    quoted_names_ = false;
    walker.query(body, Source::form, Source::form_name);
    if (!stop_ && quoted_names_ && body.size() < 65536)
      inspect_value(Source::body_raw, {}, body, true, bit(Protection::sqli));
    // A browser never sends a literal blank in this encoding: such a body was typed by hand,
    // and its '&' may be shell syntax rather than separators. Read it whole as well.
    const bool entity = walker.notes().too_many_parts ? has_raw_entity(body) : walker.notes().raw_entity;
    if (!stop_ && (body.find(' ') != std::string_view::npos || entity) && body.size() < 65536)
      inspect_value(Source::body_raw, {}, body, true,
                    checks_for(Source::body_raw) & (bit(Protection::xss) | bit(Protection::cmdi) |
                                                    bit(Protection::code_injection)));
  } else if (media.starts_with("multipart/")) {
    walker.multipart(body, boundary_of(content_type));
    if (walker.notes().malformed_multipart && !truncated && !stop_)
      add(Protection::protocol, Source::body_raw, {}, body.substr(0, 64),
          "malformed multipart body");
    if (walker.notes().bad_charset && !stop_)
      add(Protection::protocol, Source::body_raw, {}, body.substr(0, 64),
          "multipart part in a charset WAFs cannot read (UTF-7 ...)");
  } else if (is_json() || ((media.empty() || media == "text/plain") && (lead == '{' || lead == '['))) {
    walker.json(body);
    const ParseNotes& notes = walker.notes();
    if (notes.malformed_json && !truncated && is_json() && !stop_)
      add(Protection::protocol, Source::body_raw, {}, body.substr(0, 64), "malformed JSON body");
    if (notes.too_deep && !stop_)
      add(Protection::protocol, Source::body_raw, {}, body.substr(0, 64),
          "JSON body nested deeper than " + std::to_string(options_.max_json_depth));
    // What the walk could not read (the rest of a malformed, deep or long body) is read whole.
    if ((notes.malformed_json || notes.too_deep || notes.too_many_parts) && !stop_)
      inspect_value(Source::body_raw, {}, body, false, checks_for(Source::body_raw));
  } else if (is_xml() || lead == '<') {
    walker.xml(body);
  } else {
    inspect_value(Source::body_raw, {}, body, false, checks_for(Source::body_raw));
  }
  if (walker.notes().too_many_parts && !stop_)
    add(Protection::protocol, Source::body_raw, {}, {}, "too many body values");
  // A form, JSON or XML body longer than what is inspected: what follows the inspected part
  // (padding, then the payload) would reach the app unread. Raw and multipart bodies (files)
  // stream on; structured ones are refused under the protocol protection, as ModSecurity's
  // SecRequestBodyNoFilesLimit does.
  const bool structured = media == "application/x-www-form-urlencoded" || is_json() || is_xml();
  if (truncated && structured && !stop_ && !within(request, config_.inspect_body_bytes)) {
    add(Protection::protocol, Source::body_raw, {}, body.substr(0, 64),
        "protocol: " + std::string(media) + " body longer than cnaf.limits.inspect_body_bytes (" +
            std::to_string(config_.inspect_body_bytes) + "): the rest could not be inspected");
  }
}

bool Transaction::visit(const Part& part) {
  // RFC 2109 cookie attributes ($Version, $Path) make old parsers split cookies differently.
  if (part.source == Source::cookie_name && !part.name.empty() && part.name[0] == '$')
    return add(Protection::protocol, part.source, part.name, part.name,
               "protocol: legacy cookie attribute (cookie parsing confusion)");
  // Session fixation: a session identifier handed over in the URL or a form, from another
  // site (or with no Referer at all), so the victim logs in with the attacker's session.
  if (part.source == Source::query_name || part.source == Source::form_name) {
    if (foreign_referer_ && part.name.size() >= 3 && part.name.size() <= 32 && session_identifier(part.name))
      return add(Protection::protocol, part.source, part.name, part.name,
                 "protocol: session identifier in a parameter from a foreign or missing Referer");
    // Most names are letters and digits ("field12"): no quote, and nothing to inspect.
    if (inert_token(part.source, part.name)) return true;
    if (quoted_name(part.name)) quoted_names_ = true;
  }
  // The HTML form convention for a body's charset.
  if (part.source == Source::multipart && part.name == "_charset_" &&
      !allowed_charset(std::string("charset=") + std::string(part.value.substr(0, 32))))
    return add(Protection::protocol, part.source, part.name, part.value,
               "protocol: form charset WAFs cannot read");
  return inspect_value(part.source, part.name, part.value, part.url_encoded,
                       checks_for(part.source), part.json_path);
}

bool Transaction::run_detectors(const Inspected& v, std::uint32_t protections) {
  using Detector = bool (*)(const Inspected&, Scratch&, Hit&);
  using Prefilter = bool (*)(const Inspected&) noexcept;
  struct Entry {
    Protection protection;
    Detector detect;
    std::uint32_t needs;  // the value must hold one of these characters, or cannot match
    Prefilter possible = nullptr;  // false: the detector cannot match (checked by prefilter_test.cc)
  };
  constexpr std::uint32_t kAny = ~0u;
  // Order: cheapest and most decisive first.
  static constexpr std::array<Entry, 11> kDetectors = {{
      {Protection::shellshock, detect_shellshock, kParen},
      {Protection::xxe, detect_xxe, kLt},
      {Protection::sqli, detect_sqli, kAny, sqli_possible},
      {Protection::xss, detect_xss, kLt | kColon | kQuote | kDquote | kBacktick | kParen | kAmp | kBrace |
                                        kEq | kDot | kHigh},
      {Protection::lfi, detect_lfi, kDot | kSlash | kBackslash | kColon},
      {Protection::cmdi, detect_cmdi, kSemi | kPipe | kAmp | kBacktick | kDollar | kNewline | kBrace |
                                          kLt | kGt | kSlash | kDash | kBackslash | kQuote | kDquote |
                                          kSpace,
       cmdi_possible},
      // Any: plain tokens may be base64 serialized Java objects (the detector skips the rest).
      {Protection::code_injection, detect_code_injection, kAny},
      {Protection::nosqli, detect_nosqli, kDollar | kParen | kDot | kQuote | kDquote | kPipe | kSemi | kColon},
      {Protection::rfi, detect_rfi, kColon | kSlash | kBackslash},
      {Protection::ssrf, detect_ssrf, kColon | kSlash | kBackslash},
      {Protection::scanners, detect_scanner, kAny},
  }};
  for (const auto& e : kDetectors) {
    if (!(protections & bit(e.protection)) || !(v.mask & e.needs) || !enabled(e.protection)) continue;
    if (e.possible != nullptr && !e.possible(v)) continue;
    Hit hit;
    if (!e.detect(v, scratch_, hit)) continue;
    const std::size_t pos = std::min(hit.pos, v.text.size());
    const std::string_view snippet = v.text.substr(pos, std::min<std::size_t>(hit.len ? hit.len : 64, 128));
    std::string message(to_string(e.protection));
    message.append(": ");
    message.append(hit.reason);
    if (!add(e.protection, v.source, v.name, snippet, message)) return false;
  }
  // URL arguments and paths carry no control characters (forms may: textareas send CRLF).
  if ((protections & bit(Protection::protocol)) && enabled(Protection::protocol) &&
      (v.source == Source::query || v.source == Source::query_name || v.source == Source::path ||
       v.source == Source::cookie) && v.has(kCtrl | kNewline)) {
    for (const char c : v.text) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7F)
        return add(Protection::protocol, v.source, v.name, v.text.substr(0, 64),
                   "protocol: control character in a URL argument");
    }
  }
  // Header injection / response splitting through a value: CR or LF then "Name:".
  if ((protections & bit(Protection::protocol)) && enabled(Protection::protocol) &&
      (v.has(kNewline) || ((v.mask & (kSpace | kSlash)) == (kSpace | kSlash) &&
                           v.lower.find(" http/") != std::string_view::npos)) &&
      v.source != Source::body_raw) {
    ProtocolIssue issue;
    if (header_injection(v.text, issue))
      return add(Protection::protocol, v.source, v.name, issue.snippet, issue.message);
  }
  // The same through characters a back end truncates to CR or LF ("%E5%98%8DSet-Cookie:").
  if ((protections & bit(Protection::protocol)) && enabled(Protection::protocol) &&
      v.has(kHigh) && v.has(kColon) && v.source != Source::body_raw &&
      truncated_line_breaks(v.text, scratch_.a)) {
    ProtocolIssue issue;
    if (header_injection(scratch_.a, issue))
      return add(Protection::protocol, v.source, v.name, issue.snippet,
                 issue.message + " through a character truncated to CR/LF");
  }
  return !stop_;
}

}  // namespace defender::cnaf::waf

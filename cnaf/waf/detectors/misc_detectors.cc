// Small detectors: NoSQL operator injection, XML external entities, Shellshock, scanner
// signatures.
#include <array>

#include "cnaf/waf/detectors/detectors.h"

namespace defender::cnaf::waf {
namespace {

constexpr std::array<std::string_view, 24> kMongoOps = {
    "ne", "gt", "gte", "lt", "lte", "regex", "where", "in", "nin", "exists", "or", "and",
    "not", "nor", "expr", "function", "accumulator", "eq", "elemmatch", "type", "size",
    "all", "mod", "text"};

bool mongo_operator(std::string_view s, std::size_t dollar) {
  std::size_t e = dollar + 1;
  while (e < s.size() && s[e] >= 'a' && s[e] <= 'z') ++e;
  const std::string_view op = s.substr(dollar + 1, e - dollar - 1);
  if (e < s.size() && ((s[e] >= '0' && s[e] <= '9') || s[e] == '_')) return false;
  for (const auto o : kMongoOps)
    if (op == o) return true;
  return false;
}

}  // namespace

bool detect_nosqli(const Inspected& v, Scratch&, Hit& hit) {
  const std::string_view s = v.lower;
  if (s.size() < 3) return false;
  // An operator where a key goes: user[$ne]=x (names), {$where: ...} / ', $or: [ (JavaScript
  // or shell syntax, unquoted), {"$ne": null} (JSON, compared with nothing). A JSON query
  // comparing with a real value ({"score":{"$gte":1000}}) is how some APIs filter: allowed.
  if (v.has(kDollar)) {
    const bool name = v.source == Source::query_name || v.source == Source::form_name ||
                      v.source == Source::cookie_name || v.source == Source::json_key ||
                      v.source == Source::multipart_name;
    for (std::size_t p = s.find('$'); p != std::string_view::npos; p = s.find('$', p + 1)) {
      const char before = p == 0 ? '\0' : s[p - 1];
      if (!mongo_operator(s, p)) continue;
      std::size_t e = p + 1;
      while (e < s.size() && s[e] >= 'a' && s[e] <= 'z') ++e;
      const std::string_view op = s.substr(p + 1, e - p - 1);
      const bool js_op = op == "where" || op == "function" || op == "accumulator" || op == "expr";
      bool bad = false;
      if (name) {
        bad = before == '[' || (before == '\0' && (js_op || op == "ne" || op == "gt" || op == "regex"));
      } else if (before == '[' && e < s.size() && s[e] == ']') {
        bad = true;  // a name-shaped value: password[$ne]
      } else {
        std::size_t k = e;
        const bool quoted = before == '"' || before == '\'';
        if (quoted && k < s.size() && s[k] == before) ++k;
        while (k < s.size() && s[k] == ' ') ++k;
        if (k < s.size() && s[k] == ':') {
          ++k;
          while (k < s.size() && s[k] == ' ') ++k;
          const std::string_view rest = s.substr(k, 8);
          if (!quoted && (before == ' ' || before == '{' || before == ',' || before == '\0' || before == '(')) {
            bad = true;  // unquoted key: JavaScript / mongo shell syntax injected
          } else if (quoted) {
            bad = js_op || rest.starts_with("null") || rest.starts_with("\"\"") ||
                  rest.starts_with("''") || rest.starts_with("\".*") ||
                  rest.starts_with("[]") || rest.starts_with("{}") || rest.starts_with("true") ||
                  rest.starts_with("false") || rest.starts_with("-1") || rest.starts_with("0}");
          }
        }
      }
      if (!bad) continue;
      hit = Hit{p, std::min<std::size_t>(48, s.size() - p), "NoSQL query operator"};
      return true;
    }
  }
  // LDAP filter injection: a filter closed and another opened: ")(attr=", ")(|", ")&(cn=".
  if (v.has(kParen)) {
    for (std::size_t p = s.find(')'); p != std::string_view::npos; p = s.find(')', p + 1)) {
      std::size_t k = p + 1;
      while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
      if (k < s.size() && (s[k] == '&' || s[k] == '|' || s[k] == '!')) ++k;
      while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
      if (k >= s.size() || s[k] != '(') continue;
      ++k;
      while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
      if (k < s.size() && (s[k] == '|' || s[k] == '&' || s[k] == '!')) {
        hit = Hit{p, std::min<std::size_t>(48, s.size() - p), "LDAP filter injection"};
        return true;
      }
      std::size_t a = k;
      while (a < s.size() && ((s[a] >= 'a' && s[a] <= 'z') || (s[a] >= '0' && s[a] <= '9') || s[a] == '-')) ++a;
      if (a == k || a >= s.size()) continue;
      const char op = s[a];
      const bool filter_op = op == '=' || ((op == '>' || op == '<' || op == '~') && a + 1 < s.size() && s[a + 1] == '=');
      static constexpr std::array<std::string_view, 22> kLdapAttrs = {
          "uid", "cn", "sn", "objectclass", "mail", "userpassword", "password", "ou", "dc",
          "givenname", "member", "memberof", "samaccountname", "name", "displayname",
          "description", "homedirectory", "gidnumber", "uidnumber", "telephonenumber", "o", "l"};
      bool known = false;
      for (const auto at : kLdapAttrs) known |= s.substr(k, a - k) == at;
      if (filter_op && known) {
        hit = Hit{p, std::min<std::size_t>(48, s.size() - p), "LDAP filter injection"};
        return true;
      }
    }
  }
  // LDAP filter injection: a filter closed and reopened, or an extensible match rule.
  if (v.has(kParen) && (v.has(kEq) || v.has(kStar))) {
    static constexpr std::array<std::string_view, 6> kLdap = {")(", "(|(", "(&(", "(!(", "*)(", "=*)"};
    for (const auto n : kLdap) {
      const std::size_t p = s.find(n);
      if (p == std::string_view::npos) continue;
      // Needs an attribute=value filter around it: (uid=admin), (objectclass=*).
      const std::size_t eq = s.find('=', p);
      if (eq == std::string_view::npos || eq > p + 40) continue;
      std::size_t a = eq;
      while (a > 0 && ((s[a - 1] >= 'a' && s[a - 1] <= 'z') || (s[a - 1] >= '0' && s[a - 1] <= '9') || s[a - 1] == '-')) --a;
      if (a == eq || a == 0 || (s[a - 1] != '(' && s[a - 1] != '|' && s[a - 1] != '&')) continue;
      static constexpr std::array<std::string_view, 16> kAttrs = {
          "uid", "cn", "sn", "objectclass", "mail", "userpassword", "ou", "dc", "givenname",
          "member", "memberof", "samaccountname", "name", "displayname", "description", "homedirectory"};
      const std::string_view attr = s.substr(a, eq - a);
      bool known = false;
      for (const auto k : kAttrs) known |= attr == k;
      if (!known) continue;
      hit = Hit{p, std::min<std::size_t>(48, s.size() - p), "LDAP filter injection"};
      return true;
    }
  }
  if (v.has(kColon) && v.has(kEq)) {
    const std::size_t p = s.find(":2.5.13.");
    if (p != std::string_view::npos || s.find(":dn:=") != std::string_view::npos || s.find(":caseexactmatch:=") != std::string_view::npos) {
      const std::size_t at_pos = p == std::string_view::npos ? 0 : p;
      hit = Hit{at_pos, std::min<std::size_t>(48, s.size() - at_pos), "LDAP extensible match"};
      return true;
    }
  }
  // Server-side JavaScript in $where-style injections and shell idioms of MongoDB.
  static constexpr NeedleSet kJs(std::to_array<std::string_view>({
      "db.", "this.", "return true", "return 1", "';return", "\";return",
      "||'1'=='1", "||\"1\"==\"1", "' == '", "'=='", "mapreduce", "tojson(", "objectid(",
      "new date()", "while(", "}while",
  }));
  std::size_t where = std::string_view::npos;
  kJs.find(s, v.mask, v.bigrams, [&](std::size_t index, std::size_t p) {
    const std::string_view n = kJs.needles[index];
    if (n == "db.") {
      // db.collection.method(
      std::size_t e = p + 3;
      while (e < s.size() && ((s[e] >= 'a' && s[e] <= 'z') || s[e] == '_' || (s[e] >= '0' && s[e] <= '9'))) ++e;
      if (e >= s.size() || s[e] != '.' || (p > 0 && s[p - 1] >= 'a' && s[p - 1] <= 'z')) return false;
      const std::size_t paren = s.find('(', e);
      if (paren == std::string_view::npos || paren > e + 24) return false;
    } else if (n == "this." || n == "sleep(") {
      if (s.find_first_of("'\";|&=", 0) == std::string_view::npos) return false;
      const std::size_t q = s.find_first_of("'\";");
      if (q == std::string_view::npos || q > p || (n == "this." && s.find("==", p) == std::string_view::npos && s.find("match(", p) == std::string_view::npos)) return false;
    } else if (n == "return true" || n == "return 1") {
      if (s.find_first_of("';\"") > p) return false;
    } else if (n == "new date()" || n == "while(" || n == "}while") {
      // JavaScript busy loops (time-based): ;var d=new Date(); do{...}while(...)
      if (s.find("do{") == std::string_view::npos && s.find("do {") == std::string_view::npos) return false;
      if (s.find_first_of(";") > p) return false;
    } else if (n == "mapreduce" || n == "tojson(" || n == "objectid(") {
      if (s.find_first_of("'\";") > p) return false;
    }
    where = p;
    return true;
  });
  if (where != std::string_view::npos) {
    hit = Hit{where, std::min<std::size_t>(48, s.size() - where), "NoSQL JavaScript injection"};
    return true;
  }
  return false;
}

bool detect_xxe(const Inspected& v, Scratch&, Hit& hit) {
  const std::string_view s = v.lower;
  if (!v.has(kLt)) return false;
  const std::size_t ent = s.find("<!entity");
  if (ent != std::string_view::npos) {
    hit = Hit{ent, std::min<std::size_t>(64, s.size() - ent), "XML entity declaration"};
    return true;
  }
  const std::size_t dt = s.find("<!doctype");
  if (dt != std::string_view::npos) {
    const std::size_t end = s.find('>', dt);
    const std::string_view decl = s.substr(dt, end == std::string_view::npos ? s.size() - dt : end - dt);
    if (decl.find(" system") != std::string_view::npos || decl.find(" public") != std::string_view::npos ||
        decl.find('[') != std::string_view::npos) {
      if (decl.find("html") == std::string_view::npos || decl.find('[') != std::string_view::npos) {
        hit = Hit{dt, std::min<std::size_t>(64, s.size() - dt), "external DTD"};
        return true;
      }
    }
  }
  // Documents the parser fetches from elsewhere (schemas) or reads in an evasive charset.
  for (const std::string_view n : {std::string_view("xs:include"), std::string_view("xs:import"),
                                   std::string_view("xsi:schemalocation=\"http"),
                                   std::string_view("xsi:nonamespaceschemalocation=\"http")}) {
    const std::size_t p = s.find(n);
    if (p != std::string_view::npos) {
      hit = Hit{p, std::min<std::size_t>(64, s.size() - p), "external XML schema"};
      return true;
    }
  }
  if (s.starts_with("<?xml")) {
    const std::size_t decl_end = s.find("?>");
    const std::size_t enc = s.find("encoding=");
    if (enc != std::string_view::npos && enc < decl_end) {
      const std::string_view e = s.substr(enc + 10, 12);
      if (!(e.starts_with("utf-8") || e.starts_with("iso-8859-1") || e.starts_with("us-ascii") ||
            e.starts_with("utf-16") || e.starts_with("windows-125"))) {
        hit = Hit{enc, std::min<std::size_t>(32, s.size() - enc), "XML in an evasive encoding"};
        return true;
      }
    }
  }
  const std::size_t xi = s.find("xi:include");
  if (xi != std::string_view::npos || s.find("xmlns:xi=") != std::string_view::npos) {
    const std::size_t p = xi == std::string_view::npos ? 0 : xi;
    hit = Hit{p, std::min<std::size_t>(64, s.size() - p), "XInclude"};
    return true;
  }
  const std::size_t ss = s.find("<xsl:");
  if (ss != std::string_view::npos && (s.find("document(") != std::string_view::npos || s.find("system-property") != std::string_view::npos)) {
    hit = Hit{ss, std::min<std::size_t>(64, s.size() - ss), "XSLT with external access"};
    return true;
  }
  return false;
}

bool detect_shellshock(const Inspected& v, Scratch&, Hit& hit) {
  const std::string_view s = v.text;
  if (!v.has(kParen) || !v.has(kBrace)) return false;
  const bool name = v.source != Source::header;
  for (std::size_t p = s.find('('); p != std::string_view::npos; p = s.find('(', p + 1)) {
    std::size_t i = p + 1;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size() || s[i] != ')') continue;
    ++i;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i < s.size() && s[i] == '{') {
      std::size_t b = p;
      while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
      if (b == 0 || s[b - 1] == '=' || s[b - 1] == '\'' || s[b - 1] == '"' || (name && s[b - 1] == ' ')) {
        hit = Hit{p, std::min<std::size_t>(48, s.size() - p), "Shellshock function definition"};
        return true;
      }
    }
  }
  return false;
}

bool detect_scanner(const Inspected& v, Scratch&, Hit& hit) {
  static constexpr NeedleSet kTools(std::to_array<std::string_view>({
      "sqlmap", "nikto", "nmap scripting engine", "nmap nse", "masscan", "zgrab", "nuclei",
      "wpscan", "acunetix", "netsparker", "w3af", "dirbuster", "gobuster", "ffuf", "wfuzz",
      "havij", "arachni", "openvas", "nessus", "jaeles", "commix", "skipfish", "whatweb",
      "feroxbuster", "dirb/", "bbqsql", "grabber", "paros", "webinspect", "appscan",
      "qualys", "burpcollaborator", "zmeu", "morfeus", "webshag", "sf-scanner", "nsauditor",
      "mysqloit", "pangolin", "fimap", "blackwidow", "brutus", "bsqlbf", "cgichk", "n-stealth",
      "sqlninja", "webvulnscan", "teh forest lobster", "x-scanner", "metis", "absinthe",
      "crimscanner", "zap/", "owasp zap", "httpx - open-source", "interactsh", "struts-pwn",
      "hydra", "medusa", "xsser", "joomscan", "droopescan", "cmsmap", "vega/", "detectify",
      "gvm/", "zgrab/", "l9explore", "leakix", "censysinspect", "ltx71", "netlab360",
      "__schema", "introspectionquery", "fuzz faster u fool", ".nasl",
      // Out-of-band callback domains scanners plant in headers (interactsh, Burp, dnslog).
      "interact.sh", "oast.me", "oast.pro", "oast.live", "oast.site", "oast.online", "oast.fun",
      "oastify.com", "dnslog.cn", "ceye.io",
  }));
  const std::string_view s = v.lower;
  if (s.size() < 4) return false;
  if (v.source != Source::header) {
    // Outside headers only reconnaissance that rides in values: GraphQL introspection.
    std::size_t p = s.find("__schema");
    if (p == std::string_view::npos) p = s.find("__type(");
    if (p == std::string_view::npos) return false;
    hit = Hit{p, std::min<std::size_t>(48, s.size() - p), "GraphQL introspection"};
    return true;
  }
  std::size_t where = std::string_view::npos;
  kTools.find(s, v.mask, v.bigrams, [&](std::size_t, std::size_t p) {
    where = p;
    return true;
  });
  if (where == std::string_view::npos) return false;
  hit = Hit{where, std::min<std::size_t>(48, s.size() - where), "security scanner signature"};
  return true;
}

}  // namespace defender::cnaf::waf

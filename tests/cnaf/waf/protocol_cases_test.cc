// Protocol checks on the request line beyond waf_test.cc: methods and method overrides.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cnaf/waf/protocol_checks.h"
#include "cnaf/waf/waf.h"
#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

bool refused(testing::Request r, const std::vector<std::string>& methods = WafConfig{}.allowed_methods) {
  ProtocolIssue issue;
  return check_request_line_and_headers(r.view(), methods, issue);
}

TEST(WafProtocolCases, AllowedMethodsComeFromTheConfig) {
  const std::vector<std::string> read_only = {"GET", "HEAD"};
  for (const char* m : {"GET", "HEAD"}) {
    testing::Request r;
    r.method = m;
    EXPECT_FALSE(refused(r, read_only)) << m;
  }
  for (const char* m : {"POST", "DELETE", "get", "OPTIONS"}) {
    testing::Request r;
    r.method = m;
    EXPECT_TRUE(refused(r, read_only)) << m;
  }
  testing::Request custom;
  custom.method = "PROPFIND";
  EXPECT_TRUE(refused(custom));
  EXPECT_FALSE(refused(custom, {"GET", "PROPFIND"}));
  const std::vector<std::string> rest = {"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"};
  for (const char* m : {"PUT", "PATCH", "DELETE"}) {
    testing::Request r;
    r.method = m;
    EXPECT_TRUE(refused(r)) << m;
    EXPECT_FALSE(refused(r, rest)) << m;
  }
}

TEST(WafProtocolCases, Methods) {
  // The default is OWASP CRS's: reading, forms and CORS preflights; the REST methods are a
  // policy's choice (AllowedMethodsComeFromTheConfig).
  for (const char* m : {"GET", "HEAD", "POST", "OPTIONS"}) {
    testing::Request r;
    r.method = m;
    EXPECT_FALSE(refused(r)) << m;
  }
  for (const char* m : {"PUT", "DELETE", "PATCH", "TRACE", "TRACK", "CONNECT", "PROPFIND", "DEBUG", "FOO", "get",
                        "|GET", " GET", "REALLYLONGUNREALMETHOD"}) {
    testing::Request r;
    r.method = m;
    EXPECT_TRUE(refused(r)) << m;
  }
}

TEST(WafProtocolCases, MethodOverrides) {
  testing::Request query;
  query.target = "/items/5?_method=DELETE";
  EXPECT_TRUE(refused(query));
  testing::Request query2;
  query2.target = "/items/5?a=1&X-HTTP-Method-Override=PUT";
  EXPECT_TRUE(refused(query2));
  testing::Request header;
  header.header("X-HTTP-Method-Override", "DELETE");
  EXPECT_TRUE(refused(header));
  testing::Request encoded;
  encoded.target = "/items/5?_method=%44%45%4C%45%54%45";
  EXPECT_TRUE(refused(encoded));
  testing::Request benign;
  benign.target = "/docs?q=_method+override&method=get&http_method=x";
  EXPECT_FALSE(refused(benign));
  for (const char* v : {"", "X", "AB", "DELETE1", "X-DELETE", "ABCDEFGHIJK", "12345", "GET"}) {
    testing::Request r;  // not a method name, or the request's own method
    r.target = std::string("/api/resource?_method=") + v;
    EXPECT_FALSE(refused(r)) << v;
  }
  testing::Request form;  // forms carry the override in the body: not a protocol problem
  form.post("application/x-www-form-urlencoded", "_method=DELETE&id=5");
  EXPECT_FALSE(refused(form));
}

// Session fixation: a session identifier in a query or form parameter, from another site or
// without a Referer, in any case; other names holding "ses", "sid" or "cf" are no finding.
TEST(WafProtocolCases, SessionIdentifiersInParameters) {
  const Waf waf(testing::all(policy::Mode::prevent));
  const auto session_finding = [&](std::string target, std::string referer, std::string form = {}) {
    testing::Request r;
    r.target = std::move(target);
    if (!referer.empty()) r.header("Referer", std::move(referer));
    if (!form.empty()) r.post("application/x-www-form-urlencoded", std::move(form));
    const Verdict v = waf.inspect_content(r.view());
    for (const Finding& f : v.findings)
      if (f.message.find("session identifier") != std::string::npos) return true;
    return false;
  };
  for (const char* name : {"JSESSIONID", "phpsessid", "PHPSESSID", "cftoken", "CFID", "laravel_session",
                           "my_app_session", "meteor_login_token", "ASPSESSIONIDQQGGGNCU", "connect.sid"}) {
    EXPECT_TRUE(session_finding(std::string("/login?") + name + "=abc123", "")) << name;
    EXPECT_TRUE(session_finding(std::string("/login?") + name + "=abc123", "https://evil.example/")) << name;
    EXPECT_TRUE(session_finding("/login", "", std::string("user=bob&") + name + "=abc123")) << name;
    EXPECT_FALSE(session_finding(std::string("/login?") + name + "=abc123", "https://app.example/form")) << name;
  }
  for (const char* name : {"sessions", "session", "sid", "cf", "classification", "consider", "lessons",
                           "field12", "meteor_login_tokens", "mysessionnotes", "residue"}) {
    EXPECT_FALSE(session_finding(std::string("/list?") + name + "=1", "")) << name;
  }
}

// JSON bodies the walker cannot read as the app would are refused (protocol): malformed,
// nested deeper than max_json_depth (containers around a value), or holding more than
// max_parts values, short ones ("a", "id") included though they need no inspection.
// Whitespace, escapes, empty containers and literals anywhere are well-formed.
TEST(WafProtocolCases, JsonStructure) {
  WafOptions options;
  options.max_json_depth = 4;
  options.max_parts = 20;
  const Waf waf(testing::all(policy::Mode::prevent), options);
  const auto refused_with = [&](const std::string& body) -> std::string {
    testing::Request r;
    r.post("application/json", body);
    const Verdict v = waf.inspect_content(r.view());
    return v.allowed() || v.findings.empty() ? std::string() : v.findings[0].message;
  };
  for (const char* body : {R"({"a":"b",})", R"(["a",])", R"({"a" "b"})", R"({"a":"b)", R"({"a":tru})",
                           R"(["a"] x)", R"({a:1})", R"([1 2])", R"({"a":1,,"b":2})", R"([)", R"({"a":[1,2})",
                           R"({"a":"b\"})", R"({"a":-}x)"}) {
    EXPECT_NE(refused_with(body).find("malformed JSON"), std::string::npos) << body;
  }
  for (const char* body : {R"( { "a" : [ 1 , -2.5e3 , true , null , "x" ] , "b" : { } , "c\"" : "d\"e" } )",
                           R"([[[["deep enough"]]]])", R"({"a":{"b":{"c":{"d":1}}}})", "[]", R"("just a string")",
                           "\t{\"a\":\n\"b\"}\r\n", R"([{},[],"",0])"}) {
    EXPECT_EQ(refused_with(body), "") << body;
  }
  EXPECT_NE(refused_with(R"([[[[["too deep"]]]]])").find("nested deeper than 4"), std::string::npos);
  EXPECT_NE(refused_with(R"({"a":{"b":{"c":{"d":{"e":1}}}}})").find("nested deeper than 4"), std::string::npos);
  std::string many = "[";
  for (int i = 0; i < 21; ++i) many += std::string(i ? "," : "") + "\"a\"";
  EXPECT_NE(refused_with(many + "]").find("too many body values"), std::string::npos);
  std::string keys = "{";
  for (int i = 0; i < 10; ++i) keys += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\":\"v\"";
  EXPECT_EQ(refused_with(keys + "}"), "");  // 10 keys and 10 values: 20
  EXPECT_NE(refused_with(keys + ",\"k\":1}"), "");  // one key more
  // With protocol findings only alerted, the rest of a deep or malformed body is still read
  // (as one text: past max_parts it is read the same way, where JSON quoting can hide SQL).
  WafConfig alert = testing::all(policy::Mode::prevent);
  alert.modes[static_cast<std::size_t>(Protection::protocol)] = policy::Mode::alert;
  const Waf alerting(alert, options);
  for (const std::string body : {R"([[[[["1' or '1'='1"]]]]])", R"({"a":"b","q":"1' or '1'='1",,})"}) {
    testing::Request r;
    r.post("application/json", body);
    const Verdict v = alerting.inspect_content(r.view());
    EXPECT_FALSE(v.allowed()) << body;
    bool sqli = false;
    for (const Finding& f : v.findings) sqli |= f.protection == "sqli";
    EXPECT_TRUE(sqli) << body;
  }
}

// Header injection through characters a back end truncates to their low byte, CR or LF
// (U+560D, U+010A): in the path, a query value or a form value. Text in scripts whose letters
// end in those bytes (Czech "č" is U+010D) is no finding without a header after it.
TEST(WafProtocolCases, HeaderInjectionThroughTruncatedCharacters) {
  const Waf waf(testing::all(policy::Mode::prevent));
  const auto blocked = [&](std::string target, std::string form = {}) {
    testing::Request r;
    r.target = std::move(target);
    if (!form.empty()) r.post("application/x-www-form-urlencoded", std::move(form));
    return !waf.inspect_content(r.view()).allowed();
  };
  EXPECT_TRUE(blocked("/%e5%98%8dSet-cookie%3acrlf%3dinjection"));
  EXPECT_TRUE(blocked("/?next=%C4%8ALocation:%20https://evil.example/"));
  EXPECT_TRUE(blocked("/go", "to=x%E5%98%8A%E5%98%8DSet-Cookie:%20sid=1"));
  for (const char* benign : {"/?q=%C4%8De%C5%A1tina", "/?q=%C4%8Dlov%C4%9Bk:%20n%C4%9Bco", "/?city=Ostrava%C4%8D:1",
                             "/?q=%E5%98%8D%20Location%20of%20the%20shop"})
    EXPECT_FALSE(blocked(benign)) << benign;
}

}  // namespace
}  // namespace defender::cnaf::waf

// Helpers for the WAF's table tests: a value decoded the way the Waf decodes it, and a
// request built from a few strings.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "cnaf/inspector.h"
#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/transforms/transforms.h"
#include "cnaf/waf/waf.h"

namespace defender::cnaf::waf::testing {

// Owns the decoded strings an Inspected points into.
struct Value {
  std::string text, lower, tmp;
  Inspected v;
  explicit Value(std::string_view raw, Source source = Source::query, std::string_view name = "q") {
    decode_all(raw, text, tmp);
    to_lower(text, lower);
    v.source = source;
    v.name = name;
    v.raw = raw;
    v.text = text;
    v.lower = lower;
    v.mask = char_mask(text);
  }
};

using Detector = bool (*)(const Inspected&, Scratch&, Hit&);

inline bool detects(Detector d, std::string_view raw, Source source = Source::query) {
  Value value(raw, source);
  Scratch scratch;
  Hit hit;
  return d(value.v, scratch, hit);
}

// Every attack detected and no benign value: one EXPECT per string, naming it.
inline void table(Detector d, const std::vector<std::string>& attacks, const std::vector<std::string>& benign,
                  Source source = Source::query) {
  for (const auto& a : attacks) EXPECT_TRUE(detects(d, a, source)) << "missed attack: " << a;
  for (const auto& b : benign) EXPECT_FALSE(detects(d, b, source)) << "false positive: " << b;
}

struct Request {
  std::string method = "GET";
  std::string target = "/";
  std::string version = "HTTP/1.1";
  std::vector<std::pair<std::string, std::string>> headers = {{"Host", "app.example"},
                                                              {"User-Agent", "Mozilla/5.0"}};
  std::string body;
  bool body_truncated = false;  // `body` is the inspected start of a longer body
  std::string client = "127.0.0.1";
  std::vector<HeaderView> views;

  RequestView view() {
    views.clear();
    for (const auto& [n, v] : headers) views.push_back(HeaderView{n, v});
    RequestView r;
    r.request_id = "test";
    r.client_ip = client;
    r.method = method;
    r.target = target;
    r.http_version = version;
    r.headers = views;
    r.body = body;
    r.body_truncated = body_truncated;
    return r;
  }
  Request& header(std::string n, std::string v) {
    headers.emplace_back(std::move(n), std::move(v));
    return *this;
  }
  Request& post(std::string content_type, std::string b) {
    method = "POST";
    body = std::move(b);
    header("Content-Type", std::move(content_type));
    header("Content-Length", std::to_string(body.size()));
    return *this;
  }
};

inline WafConfig all(policy::Mode mode) {
  WafConfig c;
  c.modes.fill(mode);
  return c;
}

}  // namespace defender::cnaf::waf::testing

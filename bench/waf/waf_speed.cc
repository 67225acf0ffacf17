// waf_speed: ns per request of the WAF alone (every protection in prevent mode, and all off)
// on the proxy benchmark's scenarios: small GET, GET with ten query parameters, POST of a
// 4 KiB form, one 4 KiB free-text field, POST of a 16 KiB JSON document (plain words, and
// records of identifiers, e-mail addresses, dates and URLs), and pathological
// 16 KiB values. CPU time of the calling thread per request.
//
//   waf_speed [ITERATIONS] [SCENARIO-SUBSTRING]   (the filter: for profiling one scenario)
#include <time.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "cnaf/waf/waf.h"

using namespace defender;

namespace {

struct Scenario {
  std::string name, method, target, content_type, body;
};

std::vector<Scenario> scenarios() {
  std::vector<Scenario> s;
  s.push_back({"small GET", "GET", "/index.html", "", ""});
  std::string q = "/search?";
  for (int i = 0; i < 10; ++i) q += (i ? "&" : "") + std::string("param") + std::to_string(i) + "=value+number+" + std::to_string(i * 7919);
  s.push_back({"GET 10 params", "GET", q, "", ""});
  std::string form;
  int f = 0;
  while (form.size() < 4096) {
    form += (f ? "&" : "") + std::string("field") + std::to_string(f) + "=Some+ordinary+text%2C+with+punctuation+and+numbers+" + std::to_string(f * 31);
    ++f;
  }
  s.push_back({"POST 4 KiB form", "POST", "/submit", "application/x-www-form-urlencoded", form});
  // One free-text field (a comment box): prose with punctuation, brackets and quotes, every
  // detector's triggers present, as users type them.
  std::string text = "comment=";
  while (text.size() < 4096)
    text += "Some+ordinary+text%2C+with+punctuation+%28and+brackets%29%3B+numbers+42+and+quotes+"
            "%22like+this%22+or+%27that%27.+";
  s.push_back({"POST 4 KiB text field", "POST", "/comment", "application/x-www-form-urlencoded", text});
  std::string json = "{\"items\":[";
  int k = 0;
  while (json.size() < 16384) {
    json += (k ? "," : "") + std::string("{\"id\":") + std::to_string(k) + ",\"name\":\"Item number " + std::to_string(k) + "\",\"description\":\"A plain description of the item, nothing special.\",\"tags\":[\"a\",\"b\"]}";
    ++k;
  }
  json += "]}";
  s.push_back({"POST 16 KiB JSON", "POST", "/api/items", "application/json", json});
  // The same size of API records as they usually are: identifiers, e-mail addresses, dates
  // and URLs (no blank: the plain-words path does not take them).
  std::string records = "{\"users\":[";
  for (int r = 0; records.size() < 16384; ++r) {
    char item[320];
    std::snprintf(item, sizeof item,
                  "%s{\"id\":\"%08x-1b2c-4d3e-8f90-%012x\",\"email\":\"user%d.name@example.com\","
                  "\"created_at\":\"2024-0%d-1%dT10:%02d:00Z\",\"profile_url\":\"https://app.example.com/users/%d/profile\","
                  "\"active\":true}",
                  r ? "," : "", static_cast<unsigned>(r) * 2654435761u, static_cast<unsigned>(r) * 977u, r, r % 9 + 1,
                  r % 10, r % 60, r);
    records += item;
  }
  records += "]}";
  s.push_back({"POST 16 KiB JSON records", "POST", "/api/users", "application/json", records});
  s.push_back({"pathological 16 KiB", "POST", "/submit", "application/x-www-form-urlencoded",
               "v=" + std::string(16384 / 4, '\'') + std::string(16384 / 4, '<') + std::string(16384 / 4, '(') + std::string(16384 / 4, '%')});
  // Repeated fragments that make a naive scanner rescan the rest of the value each time:
  // cost must grow linearly (16 KiB ~ 4x the 4 KiB figure).
  for (const std::size_t size : {std::size_t{4096}, std::size_t{16384}}) {
    std::string mixed = "v=";
    while (mixed.size() < size) mixed += "1'or(select/**/1)-- <a on=x>`$(id)`../";
    s.push_back({"pathological mixed " + std::to_string(size / 1024) + " KiB", "POST", "/submit",
                 "application/x-www-form-urlencoded", mixed});
    std::string tags = "v=";
    while (tags.size() < size) tags += "%3Ccode%20%60x%3Ca%20onx%20system(%3C!--";
    s.push_back({"pathological markup " + std::to_string(size / 1024) + " KiB", "POST", "/submit",
                 "application/x-www-form-urlencoded", tags});
  }
  return s;
}

double run(const cnaf::waf::Waf& waf, const Scenario& sc, int iterations, bool& blocked) {
  std::vector<cnaf::HeaderView> headers = {
      {"Host", "www.example.com"},
      {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"},
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
      {"Accept-Language", "en-US,en;q=0.9"},
      {"Cookie", "session=8f2a9c0d1e; theme=light"},
  };
  std::string cl = std::to_string(sc.body.size());
  if (!sc.body.empty()) {
    headers.push_back({"Content-Type", sc.content_type});
    headers.push_back({"Content-Length", cl});
  }
  cnaf::RequestView v;
  v.request_id = "bench";
  v.client_ip = "127.0.0.1";
  v.method = sc.method;
  v.target = sc.target;
  v.http_version = "HTTP/1.1";
  v.headers = headers;
  v.body = sc.body;
  blocked = !waf.inspect_content(v).allowed();
  // Thread CPU time, not wall time: the machine is shared, preemption must not count.
  const auto cpu_ns = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
  };
  const double t0 = cpu_ns();
  for (int i = 0; i < iterations; ++i) {
    const auto verdict = waf.inspect_content(v);
    if (verdict.findings.size() > 1000) std::puts("");
  }
  return (cpu_ns() - t0) / iterations;
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::stoi(argv[1]) : 2000;
  const std::string filter = argc > 2 ? argv[2] : "";
  cnaf::waf::WafConfig on;
  on.modes.fill(policy::Mode::prevent);
  cnaf::waf::WafConfig off;
  off.modes.fill(policy::Mode::disable);
  const cnaf::waf::Waf waf_on(on), waf_off(off);
  std::printf("%-28s %12s %12s %8s\n", "scenario", "ns (all on)", "ns (all off)", "blocked");
  for (const auto& sc : scenarios()) {
    if (!filter.empty() && sc.name.find(filter) == std::string::npos) continue;
    bool blocked = false, b2 = false;
    const double ns_on = run(waf_on, sc, iterations, blocked);
    const double ns_off = run(waf_off, sc, iterations, b2);
    std::printf("%-28s %12.0f %12.0f %8s\n", sc.name.c_str(), ns_on, ns_off, blocked ? "yes" : "no");
  }
  return 0;
}

// libFuzzer target for the whole WAF: the input is split into a request (method, target,
// headers, body) by newlines, so the fuzzer reaches every container parser (query, form,
// multipart, JSON, XML, cookies), every decoder and every detector. The engine must never
// crash, hang or read out of bounds, whatever the bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cnaf/waf/waf.h"

using namespace defender;

namespace {

const cnaf::waf::Waf& engine() {
  static const cnaf::waf::Waf waf([] {
    cnaf::waf::WafConfig c;
    c.modes.fill(policy::Mode::alert);  // alert: every detector runs to the end
    return c;
  }());
  return waf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Layout: METHOD\nTARGET\nCONTENT-TYPE\nHeader: value\n...\n\nBODY
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  std::string_view body;
  while (pos <= in.size() && lines.size() < 40) {
    const std::size_t nl = in.find('\n', pos);
    const std::string_view line = in.substr(pos, nl == std::string_view::npos ? in.size() - pos : nl - pos);
    if (line.empty() && lines.size() >= 3) {
      body = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
      break;
    }
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  while (lines.size() < 3) lines.emplace_back();
  std::vector<cnaf::HeaderView> headers;
  headers.push_back({"Host", "fuzz.example"});
  headers.push_back({"Content-Type", lines[2]});
  for (std::size_t i = 3; i < lines.size(); ++i) {
    const std::size_t colon = lines[i].find(':');
    if (colon == std::string_view::npos) continue;
    headers.push_back({lines[i].substr(0, colon), lines[i].substr(colon + 1)});
  }
  cnaf::RequestView r;
  r.request_id = "fuzz";
  r.client_ip = "127.0.0.1";
  r.method = lines[0];
  r.target = lines[1];
  r.http_version = "HTTP/1.1";
  r.headers = headers;
  r.body = body;
  const cnaf::Verdict v = engine().inspect_content(r);
  if (v.findings.size() > 64) __builtin_trap();  // bounded by WafOptions::max_findings
  return 0;
}

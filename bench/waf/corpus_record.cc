#include "bench/waf/corpus_record.h"

#include <algorithm>

#include "core/base64.h"

namespace defender::bench {
namespace {

// Corpus fields in base64 (raw requests, binary bodies); empty when malformed.
std::string b64decode(const std::string& in) {
  std::string out;
  core::base64_decode(in, out);
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void parse_raw(const std::string& raw, CorpusRequest& r) {
  std::size_t head_end = raw.find("\r\n\r\n");
  std::size_t sep = 4;
  if (head_end == std::string::npos) {
    head_end = raw.find("\n\n");
    sep = 2;
  }
  if (head_end == std::string::npos) {
    r.unparsable = true;
    head_end = raw.size();
    sep = 0;
  }
  const std::string head = raw.substr(0, head_end);
  r.body = head_end + sep <= raw.size() ? raw.substr(head_end + sep) : "";
  std::size_t eol = head.find('\n');
  std::string line = head.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const std::size_t s1 = line.find(' ');
  const std::size_t s2 = line.rfind(' ');
  if (s1 == std::string::npos || s2 == s1) {
    r.unparsable = true;
    return;
  }
  r.method = line.substr(0, s1);
  r.target = line.substr(s1 + 1, s2 - s1 - 1);
  r.version = line.substr(s2 + 1);
  while (eol != std::string::npos) {
    const std::size_t next = head.find('\n', eol + 1);
    std::string h = head.substr(eol + 1, next == std::string::npos ? std::string::npos : next - eol - 1);
    if (!h.empty() && h.back() == '\r') h.pop_back();
    eol = next;
    if (h.empty()) continue;
    const std::size_t colon = h.find(':');
    if (colon == std::string::npos) {
      r.unparsable = true;
      continue;
    }
    std::string v = h.substr(colon + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.erase(0, 1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    r.headers.emplace_back(h.substr(0, colon), v);
  }
}

}  // namespace

cnaf::RequestView CorpusRequest::view(std::size_t inspect_body_bytes) {
  header_views.clear();
  for (const auto& [n, v] : headers) header_views.push_back(cnaf::HeaderView{n, v});
  cnaf::RequestView v;
  v.request_id = id;
  v.client_ip = "127.0.0.1";
  v.method = method;
  v.target = target;
  v.http_version = version;
  v.headers = header_views;
  v.body = std::string_view(body).substr(0, inspect_body_bytes);
  v.body_truncated = body.size() > inspect_body_bytes;
  return v;
}

CorpusRequest from_record(const nlohmann::json& rec) {
  CorpusRequest r;
  r.id = rec.value("id", "");
  r.source = rec.value("source", "");
  r.category = rec.value("category", "");
  r.label = rec.value("label", "");
  if (rec.contains("raw_b64")) {
    parse_raw(b64decode(rec["raw_b64"].get<std::string>()), r);
    return r;
  }
  r.method = rec.value("method", "GET");
  r.target = rec.value("path", "/");
  r.version = rec.value("version", "HTTP/1.1");
  if (rec.contains("headers"))
    for (const auto& h : rec["headers"]) r.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
  if (rec.contains("body_b64")) r.body = b64decode(rec["body_b64"].get<std::string>());
  else if (rec.contains("body") && rec["body"].is_string()) r.body = rec["body"].get<std::string>();
  if (!rec.value("exact", false)) {
    bool host = false, cl = false, te = false, conn = false;
    for (const auto& [n, v] : r.headers) {
      const std::string l = lower(n);
      host |= l == "host";
      cl |= l == "content-length";
      te |= l == "transfer-encoding";
      conn |= l == "connection";
    }
    if (!host) r.headers.insert(r.headers.begin(), {"Host", "localhost"});
    const std::string m = r.method;
    if ((!r.body.empty() || m == "POST" || m == "PUT" || m == "PATCH") && !cl && !te)
      r.headers.emplace_back("Content-Length", std::to_string(r.body.size()));
    if (!conn) r.headers.emplace_back("Connection", "close");
  }
  return r;
}

}  // namespace defender::bench

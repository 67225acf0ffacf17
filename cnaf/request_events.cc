#include "cnaf/request_events.h"

#include <string>

namespace defender::cnaf {
namespace {

core::Event http_event(std::string action, std::string rule, std::string message,
                       const RequestIdentity& who) {
  core::Event e;
  e.type = "http";
  e.action = std::move(action);
  e.rule = std::move(rule);
  e.message = std::move(message);
  e.set("request_id", std::string(who.request_id));
  e.set("client_ip", std::string(who.client_ip));
  e.set("method", std::string(who.method));
  e.set("target", std::string(who.target));
  return e;
}

}  // namespace

void emit_protocol_event(core::EventSink& sink, policy::Mode protocol_mode, ProxyError error,
                         std::string_view detail, const RequestIdentity& who) {
  if (protocol_mode == policy::Mode::disable) return;
  // A request that cannot be parsed safely is refused whatever the mode; the event says so.
  std::string message = std::string(reason_of(error));
  if (!detail.empty()) message.append(": ").append(detail);
  message.append(" (status ").append(std::to_string(status_of(error))).append(")");
  core::Event e = http_event("prevent", "cnaf.protections.protocol", std::move(message), who);
  e.set("protection", std::string("protocol"));
  e.set("location", std::string(error == ProxyError::body_too_large ? "body" : "head"));
  e.set("match", std::string(detail));
  sink.emit(std::move(e));
}

void emit_findings(core::EventSink& sink, const Verdict& verdict, const RequestIdentity& who) {
  for (const Finding& f : verdict.findings) {
    core::Event e = http_event(f.action, f.rule, f.message, who);
    e.set("protection", f.protection);
    e.set("location", f.location);
    e.set("match", f.match);
    sink.emit(std::move(e));
  }
}

void emit_connection_refused(core::EventSink& sink, const Verdict& verdict, std::string_view client_ip) {
  RequestIdentity who{.request_id = "", .client_ip = client_ip, .method = "", .target = ""};
  if (verdict.findings.empty()) {
    core::Event e = http_event(verdict.outcome == Verdict::Outcome::ban ? "ban" : "prevent",
                               "cnaf.access", "connection refused", who);
    e.set("protection", std::string("access"));
    sink.emit(std::move(e));
    return;
  }
  emit_findings(sink, verdict, who);
}

RequestView make_request_view(const RequestHead& head, const RequestIdentity& who,
                              std::string_view body, bool body_truncated, bool tls,
                              std::vector<HeaderView>& headers) {
  headers.clear();
  for (std::size_t i = 0; i < head.header_count(); ++i) {
    headers.push_back(HeaderView{head.name(i), head.value(i)});
  }
  RequestView view;
  view.request_id = who.request_id;
  view.client_ip = who.client_ip;
  view.method = head.method();
  view.target = head.target();
  view.http_version = head.version();
  view.headers = headers;
  view.body = body;
  view.body_truncated = body_truncated;
  view.tls = tls;
  return view;
}

}  // namespace defender::cnaf

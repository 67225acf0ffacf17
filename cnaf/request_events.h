// Turning what happened to a request into events (SPEC.md "Events", type http), shared by the
// HTTP/1 and HTTP/2 front ends. Pure apart from EventSink::emit.
#pragma once

#include <string_view>
#include <vector>

#include "cnaf/error.h"
#include "cnaf/inspector.h"
#include "cnaf/request_head.h"
#include "core/events.h"
#include "policy/decision.h"

namespace defender::cnaf {

struct RequestIdentity {
  std::string_view request_id;
  std::string_view client_ip;
  std::string_view method;
  std::string_view target;
};

// A refused malformed/smuggling/oversized request: protection "protocol". Nothing is emitted
// when the protocol protection is disabled (the request is refused all the same).
void emit_protocol_event(core::EventSink& sink, policy::Mode protocol_mode, ProxyError error,
                         std::string_view detail, const RequestIdentity& who);
// One event per finding of a verdict.
void emit_findings(core::EventSink& sink, const Verdict& verdict, const RequestIdentity& who);
// A connection refused by the inspector before any request.
void emit_connection_refused(core::EventSink& sink, const Verdict& verdict, std::string_view client_ip);

// The inspector's view of a request; `headers` is filled (reused storage).
RequestView make_request_view(const RequestHead& head, const RequestIdentity& who,
                              std::string_view body, bool body_truncated, bool tls,
                              std::vector<HeaderView>& headers);

}  // namespace defender::cnaf

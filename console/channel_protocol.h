// The defender channel's messages (WebSocket text frames, one JSON object each). Pure
// functions, shared by the console and by its client library; no I/O.
//
// defender -> console
//   {"type":"register","token":T,"app_id":A,"instance":I,"version":V,"controls":{...}}
//   {"type":"events","seq":N,"events":[{event object as in events.jsonl}, ...]}
//   {"type":"policy_status","app_id":A,"version":N,"ok":true|false,"error":"..."}
// console -> defender
//   {"type":"registered"}                       after a good register
//   {"type":"error","message":"..."}            then the console closes (bad token, ...)
//   {"type":"policy","app_id":A,"version":N,"text":"..."}  on register and on every change
//   {"type":"ack","seq":N}                      the batch is stored (or queued to be)
//   {"type":"retry","seq":N}                    the console is busy: send the batch again later
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "console/store.h"

namespace defender::console {

// "2026-11-29T08:55:34.123Z" (fraction and 'Z' or +00:00 optional) -> Unix ms; nullopt when
// the text is not an RFC 3339 UTC time.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

// The events of one "events" message as rows for the store. The app id and instance are the
// registered ones (an event cannot speak for another app). Events that are not objects are
// skipped and counted in `skipped`. `now_ms` stamps events without a readable time.
std::vector<StoredEvent> events_from_message(const nlohmann::json& events, const std::string& app_id,
                                             const std::string& instance, std::int64_t now_ms,
                                             std::size_t& skipped);

std::string policy_message(const PolicyRecord& record);

}  // namespace defender::console

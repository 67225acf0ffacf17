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
//   {"type":"ack","seq":N}                      the batch is stored
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

// The seq of an "events" message written in the client's canonical form
// (`{"type":"events","seq":N,"events":[...]}`, keys in that order, no blanks), read without
// parsing the events: the console acks it at once and parses it off the I/O threads.
// nullopt for any other text (the caller then parses the whole message).
std::optional<std::int64_t> canonical_events_seq(std::string_view text);

// The rows of a canonical "events" message (see canonical_events_seq) without building a
// JSON tree: each event is checked well-formed (json::accept) and stored as the text the
// defender sent; time, type and action are read from its top level. As events_from_message
// otherwise. nullopt when the message is not canonical or its array is not well-formed: the
// caller then parses it with events_from_message.
std::optional<std::vector<StoredEvent>> rows_from_canonical_message(std::string_view text, const std::string& app_id,
                                                                   const std::string& instance, std::int64_t now_ms,
                                                                   std::size_t& skipped);

}  // namespace defender::console

// libFuzzer target for the console's defender-channel reader: what a defender (or anyone who
// got hold of a token) sends as a WebSocket text frame. The fast path reads canonical "events"
// messages without a JSON tree; the tree path takes the rest. Neither may crash, hang or
// read out of bounds, and when the fast path accepts a message it must find as many rows as
// the tree path (the console acks on the fast path's word).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "console/channel_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)defender::console::parse_rfc3339_ms(text);
  (void)defender::console::canonical_events_seq(text);
  std::size_t fast_skipped = 0;
  const auto fast = defender::console::rows_from_canonical_message(text, "app", "instance", 0, fast_skipped);
  const nlohmann::json message = nlohmann::json::parse(text, nullptr, false);
  if (message.is_discarded() || !message.is_object()) return 0;
  const auto events = message.find("events");
  if (events == message.end()) return 0;
  std::size_t tree_skipped = 0;
  const auto rows = defender::console::events_from_message(*events, "app", "instance", 0, tree_skipped);
  if (fast && fast->size() + fast_skipped != rows.size() + tree_skipped) std::abort();
  return 0;
}

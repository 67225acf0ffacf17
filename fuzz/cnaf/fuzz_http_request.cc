// libFuzzer target for the proxy's request parser: any bytes, cut at any points, with small
// limits, must give events in a legal order and never crash or hang; every accepted head is
// then rewritten for the app (the header rewriting must cope with whatever was accepted).
// Seeds: fuzz/corpus/http_request/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cnaf/header_rewrite.h"
#include "cnaf/http1_request_parser.h"

using defender::cnaf::Http1RequestParser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte picks the feeding step (1..256 bytes) so cut points vary.
  const std::size_t step = static_cast<std::size_t>(data[0]) + 1;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  Http1RequestParser parser(defender::cnaf::RequestLimits{
      .max_header_bytes = 2048, .max_header_count = 32, .max_body_bytes = 4096});
  std::string body;
  std::string out;
  std::size_t pos = 0;
  int guard = 0;
  while (pos < input.size()) {
    std::string_view piece = input.substr(pos, step);
    pos += piece.size();
    while (!piece.empty()) {
      if (++guard > 1000000) std::abort();  // no progress: a hang
      const auto r = parser.feed(piece, &body);
      if (r.consumed > piece.size()) std::abort();
      piece.remove_prefix(r.consumed);
      using Event = Http1RequestParser::Event;
      if (r.event == Event::error || r.event == Event::upgrade) return 0;
      if (r.event == Event::message_complete || r.event == Event::head_complete) {
        out.clear();
        build_upstream_request(parser.head(), {"127.0.0.1", "id", "app:1", false}, out);
        if (out.find("\r\n\r\n") + 4 != out.size()) std::abort();  // head ends once, at the end
      }
      if (r.event == Event::need_more) break;
    }
    if (body.size() > 4096 + step) std::abort();  // body limit held
  }
  return 0;
}

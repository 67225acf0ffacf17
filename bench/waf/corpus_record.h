// A corpus record (shared/corpora/README.md) turned into the RequestView the proxy would
// hand to the WAF, with the replay tool's defaults (Host, Content-Length, Connection) unless
// the record is `exact`. `raw_b64` records are parsed from their bytes; one that a proxy
// could not parse is reported as unparsable (the proxy answers 400).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cnaf/inspector.h"

namespace defender::bench {

struct CorpusRequest {
  std::string id, source, category, label;
  std::string method, target, version;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool unparsable = false;
  std::vector<cnaf::HeaderView> header_views;

  // As the proxy hands it to the inspector: the body cut to `inspect_body_bytes`, marked
  // truncated when it was longer.
  cnaf::RequestView view(std::size_t inspect_body_bytes);
};

CorpusRequest from_record(const nlohmann::json& record);

}  // namespace defender::bench

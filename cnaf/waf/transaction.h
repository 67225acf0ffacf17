// One request's inspection (internal to the Waf): walks the request's values, decodes each,
// runs the detectors of the enabled protections and collects findings into a Verdict.
// Lives on the stack of Waf::inspect_content, on the calling I/O thread; owns its scratch
// buffers, which grow to the largest value and are reused for every value of the request.
#pragma once

#include <string>
#include <string_view>

#include "cnaf/inspector.h"
#include "cnaf/waf/inspected.h"
#include "cnaf/waf/protection.h"
#include "cnaf/waf/request_parts.h"

namespace defender::cnaf::waf {

struct WafConfig;
struct WafOptions;

class Transaction final : public PartVisitor {
 public:
  Transaction(const WafConfig& config, const WafOptions& options);

  Verdict run(const RequestView& request);

  bool visit(const Part& part) override;

 private:
  void protocol_phase(const RequestView& request);
  void headers_phase(const RequestView& request);
  void body_phase(const RequestView& request);
  // Decodes and inspects one value with the detectors that apply to `source`.
  bool inspect_value(Source source, std::string_view name, std::string_view raw, bool url_encoded,
                     std::uint32_t protections);
  bool run_detectors(const Inspected& v, std::uint32_t protections);
  // Records a finding; returns false when inspection should stop (blocked).
  bool add(Protection p, Source source, std::string_view name, std::string_view snippet,
           std::string_view message);
  bool enabled(Protection p) const;
  bool done() const { return stop_; }

  const WafConfig& config_;
  const WafOptions& options_;
  Verdict verdict_;
  bool stop_ = false;
  Scratch scratch_;
  std::string decoded_name_;
  std::string url_buf_;
  std::string text_;
  std::string lower_;
  std::string tmp_;
  std::string b64_;
  std::string media_;
  bool foreign_referer_ = true;  // no Referer, or one from another host than Host
};

}  // namespace defender::cnaf::waf

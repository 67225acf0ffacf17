// One request's inspection (internal to the Waf): walks the request's values, decodes each,
// runs the detectors of the enabled protections and collects findings into a Verdict.
// Lives on the stack of Waf::inspect_content, on the calling I/O thread; owns its scratch
// buffers, which grow to the largest value and are reused for every value of the request.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cnaf/inspector.h"
#include "cnaf/waf/client_tables.h"
#include "cnaf/waf/inspected.h"
#include "cnaf/waf/protection.h"
#include "cnaf/waf/request_parts.h"

namespace defender::cnaf::waf {

struct WafConfig;
struct WafOptions;

class Transaction final : public PartVisitor {
 public:
  // `clean_headers` (may be null): header values found clean by earlier requests.
  Transaction(const WafConfig& config, const WafOptions& options, CleanHeaderCache* clean_headers = nullptr);

  Verdict run(const RequestView& request);

  bool visit(const Part& part) override;

 private:
  void protocol_phase(const RequestView& request);
  // The path, its embedded URL and its segments; false when inspection stopped.
  bool path_phase(std::string_view path);
  void headers_phase(const RequestView& request);
  void body_phase(const RequestView& request);
  // Decodes and inspects one value with the detectors that apply to `source`.
  // `json_path`: a JSON value's path, written out (as its name) only if the value is
  // inspected in full.
  bool inspect_value(Source source, std::string_view name, std::string_view raw, bool url_encoded,
                     std::uint32_t protections, const JsonPath* json_path = nullptr);
  // inspect_value after the memo: decodes, normalises and runs the detectors.
  bool inspect_decoded(Source source, std::string_view name, std::string_view raw,
                       bool url_encoded, std::uint32_t protections);
  bool run_detectors(const Inspected& v, std::uint32_t protections);
  // Records a finding; returns false when inspection should stop (blocked).
  bool add(Protection p, Source source, std::string_view name, std::string_view snippet,
           std::string_view message);
  bool enabled(Protection p) const;
  PartLimits part_limits() const;
  bool done() const { return stop_; }

  // Values already found clean in this request (views into the request), by exact content;
  // compared member by member, cheapest first.
  struct MemoKey {
    std::uint64_t hash = 0;
    std::uint32_t protections = 0;
    Source source = Source::query;
    bool url_encoded = false;
    std::string_view value;
    std::string_view name;  // empty when no detector reads the name for such a value
    friend bool operator==(const MemoKey&, const MemoKey&) = default;
  };
  static constexpr std::size_t kMemoSlots = 256;  // a power of two; filled at most half
  static constexpr std::size_t kMemoAfter = 4;   // values inspected before the memo starts
  static constexpr std::size_t kMemoProbes = 8;
  bool memo_find(const MemoKey& key, std::size_t& slot) const;
  void memo_keep(const MemoKey& key, std::size_t slot);

  const WafConfig& config_;
  const WafOptions& options_;
  CleanHeaderCache* clean_headers_;
  Verdict verdict_;
  bool stop_ = false;
  std::uint32_t enabled_ = 0;   // bit(p) for every protection not disabled
  std::size_t detections_ = 0;  // findings of enabled protections, kept or not
  Scratch scratch_;
  std::string decoded_name_;
  std::string url_buf_;
  std::string text_;
  std::string lower_;
  std::string tmp_;
  std::string b64_;
  std::string media_;
  std::vector<MemoKey> memo_;  // allocated on the first value kept
  std::size_t memo_used_ = 0;
  std::size_t values_ = 0;
  bool foreign_referer_ = true;  // no Referer, or one from another host than Host
  bool quoted_names_ = false;    // a query or form argument name held a quote
};

}  // namespace defender::cnaf::waf

#include <utility>

#include "cnaf/waf/transforms/hex.h"
#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {

void decode_all(std::string_view in, std::string& out, std::string& tmp, int max_rounds) {
  out.assign(in);
  for (int round = 0; round < max_rounds; ++round) {
    bool changed = false;
    bool has_pct = false, has_amp = false, has_bs = false, has_high = false, has_plus = false;
    for (const char c : out) {
      has_plus |= c == '+';
      has_pct |= c == '%';
      has_amp |= c == '&';
      has_bs |= c == '\\';
      has_high |= static_cast<unsigned char>(c) >= 0xA0 || c == '\0';  // UTF-8 leads, Latin-1 0xA0
    }
    if (has_pct && url_decode(out, tmp, false)) {
      std::swap(out, tmp);
      changed = true;
    }
    if (has_amp && html_entity_decode(out, tmp, true)) {
      std::swap(out, tmp);
      changed = true;
    }
    if (has_bs && js_unescape(out, tmp)) {
      std::swap(out, tmp);
      changed = true;
    }
    if (has_high && utf8_fold(out, tmp)) {
      std::swap(out, tmp);
      changed = true;
    }
    if (has_plus && utf7_decode(out, tmp)) {
      std::swap(out, tmp);
      changed = true;
    }
    if (!changed) break;
  }
}

void to_lower(std::string_view in, std::string& out) {
  out.resize(in.size());
  char* const o = out.data();
  const char* const p = in.data();
  for (std::size_t i = 0; i < in.size(); ++i) o[i] = ascii_lower(p[i]);
}

}  // namespace defender::cnaf::waf

#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {
namespace {

int b64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

bool base64_plain(std::string_view in, std::string& out) {
  out.clear();
  if (in.size() < 16) return false;
  std::size_t end = in.size();
  while (end > 0 && in[end - 1] == '=') --end;
  if (in.size() - end > 2) return false;
  if (end % 4 == 1) return false;
  bool lower = false, upper = false;
  for (std::size_t i = 0; i < end; ++i) {
    if (b64_value(in[i]) < 0) return false;
    lower |= in[i] >= 'a' && in[i] <= 'z';
    upper |= in[i] >= 'A' && in[i] <= 'Z';
  }
  if (!lower || !upper) return false;  // hex, numbers and words are not base64
  out.reserve(end * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  std::size_t printable = 0;
  for (std::size_t i = 0; i < end; ++i) {
    acc = (acc << 6) | static_cast<unsigned>(b64_value(in[i]));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const auto b = static_cast<unsigned char>((acc >> bits) & 0xFF);
      out.push_back(static_cast<char>(b));
      printable += (b >= 0x20 && b < 0x7F) || b == '\n' || b == '\r' || b == '\t';
    }
  }
  // "Plainly" base64: what comes out reads as text.
  if (out.empty() || printable * 100 < out.size() * 95) {
    out.clear();
    return false;
  }
  return true;
}

}  // namespace defender::cnaf::waf

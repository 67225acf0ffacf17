#include "cnaf/request_id.h"

#include <random>

namespace defender::cnaf {
namespace {

std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void append_hex(std::string& out, std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char buf[16];
  for (int i = 15; i >= 0; --i) {
    buf[i] = kDigits[v & 0xf];
    v >>= 4;
  }
  out.append(buf, sizeof buf);
}

}  // namespace

RequestIdGenerator::RequestIdGenerator() {
  std::random_device rd;
  seed_ = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

void RequestIdGenerator::next(std::string& out) {
  ++counter_;
  out.clear();
  append_hex(out, splitmix64(seed_ ^ (counter_ >> 32)));
  append_hex(out, splitmix64(seed_ + counter_));
}

}  // namespace defender::cnaf

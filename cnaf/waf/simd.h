// Sixteen bytes at a time: GCC/Clang vector extensions, which compile to SSE2 on x86-64 and
// NEON on arm64 from one source. Lane comparisons give 0xFF or 0; bits() packs them into
// a 16-bit mask, bit k for byte k. Loads copy (any alignment); the caller never reads past
// its buffer: load_tail pads a short end with NUL bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace defender::cnaf::waf::simd {

using Bytes = std::uint8_t __attribute__((vector_size(16)));
using Halves = std::uint64_t __attribute__((vector_size(16)));  // the same 16 bytes as two

inline Bytes load(const char* p) noexcept {
  Bytes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The `n` (< 16) bytes at p, then NUL bytes.
inline Bytes load_tail(const char* p, std::size_t n) noexcept {
  char buf[16] = {};
  std::memcpy(buf, p, n);
  return load(buf);
}

inline void store(char* p, Bytes v) noexcept { std::memcpy(p, &v, sizeof v); }

// 4 to 16 bytes at p, read as two overlapping halves without reading past them (a short copy
// then a 16-byte load would stall on store forwarding): lanes 0-7 hold p[0..8) and lanes 8-15
// p[n-8..n); under 8 bytes lanes 0-3 hold p[0..4), lanes 4-7 p[n-4..n) and the rest 0.
inline Bytes load_short(const char* p, std::size_t n) noexcept {
  if (n >= 8) {
    std::uint64_t lo, hi;
    std::memcpy(&lo, p, 8);
    std::memcpy(&hi, p + n - 8, 8);
    return reinterpret_cast<Bytes>(Halves{lo, hi});
  }
  std::uint32_t lo, hi;
  std::memcpy(&lo, p, 4);
  std::memcpy(&hi, p + n - 4, 4);
  return reinterpret_cast<Bytes>(Halves{lo | (std::uint64_t{hi} << 32), 0});
}
// A lane mask of load_short(p, n) as a mask of byte positions (bit k: p[k]).
inline std::uint32_t short_positions(std::uint32_t lanes, std::size_t n) noexcept {
  return n >= 8 ? (lanes & 0xFFu) | ((lanes >> 8) << (n - 8)) : (lanes & 0xFu) | (((lanes >> 4) & 0xFu) << (n - 4));
}
// Writes a vector laid out as load_short(p, n) back to the n bytes at p.
inline void store_short(char* p, Bytes v, std::size_t n) noexcept {
  const Halves h = reinterpret_cast<Halves>(v);
  const std::uint64_t lo = h[0], hi = h[1];
  if (n >= 8) {
    std::memcpy(p + n - 8, &hi, 8);
    std::memcpy(p, &lo, 8);
  } else {
    const auto lo4 = static_cast<std::uint32_t>(lo), hi4 = static_cast<std::uint32_t>(lo >> 32);
    std::memcpy(p + n - 4, &hi4, 4);
    std::memcpy(p, &lo4, 4);
  }
}

inline Bytes splat(std::uint8_t c) noexcept { return Bytes{} + c; }

// 0xFF where lo <= v[k] <= hi (unsigned).
inline Bytes in_range(Bytes v, std::uint8_t lo, std::uint8_t hi) noexcept {
  return reinterpret_cast<Bytes>((v - splat(lo)) <= splat(static_cast<std::uint8_t>(hi - lo)));
}

inline Bytes equal(Bytes v, std::uint8_t c) noexcept { return reinterpret_cast<Bytes>(v == splat(c)); }

inline std::uint32_t bits(Bytes m) noexcept {
#if defined(__SSE2__)
  return static_cast<std::uint32_t>(_mm_movemask_epi8(reinterpret_cast<__m128i>(m)));
#else
  std::uint32_t b = 0;
  for (int k = 0; k < 16; ++k) b |= static_cast<std::uint32_t>(m[k] >> 7) << k;
  return b;
#endif
}

}  // namespace defender::cnaf::waf::simd

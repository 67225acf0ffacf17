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

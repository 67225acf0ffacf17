// RequestIdGenerator: 32 hex characters per request, unique across restarts with overwhelming
// probability (random 64-bit prefix per generator, then a counter mixed by splitmix64).
// One per worker thread; not thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace defender::cnaf {

class RequestIdGenerator {
 public:
  RequestIdGenerator();
  // Writes the next id into `out` (replacing its content).
  void next(std::string& out);

 private:
  std::uint64_t seed_;
  std::uint64_t counter_ = 0;
};

}  // namespace defender::cnaf

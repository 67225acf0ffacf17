#include "console/crypto_util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>
#include <vector>

namespace defender::console {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=';
    if (!ok) return std::nullopt;
    clean.push_back(c);
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  if (clean.empty()) return std::string();
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes.
  if (clean.back() == '=') --size;
  if (clean.size() >= 2 && clean[clean.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

namespace {

std::string pbkdf2(std::string_view password, std::string_view salt, int iterations) {
  std::string out(32, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  }
  return out;
}

}  // namespace

std::string hash_password(std::string_view password, int iterations) {
  std::string salt(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), 16) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return "pbkdf2-sha256$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" +
         base64_encode(pbkdf2(password, salt, iterations));
}

bool verify_password(std::string_view password, std::string_view stored) {
  constexpr std::string_view kPrefix = "pbkdf2-sha256$";
  if (stored.substr(0, kPrefix.size()) != kPrefix) return false;
  stored.remove_prefix(kPrefix.size());
  const auto d1 = stored.find('$');
  if (d1 == std::string_view::npos) return false;
  const auto d2 = stored.find('$', d1 + 1);
  if (d2 == std::string_view::npos) return false;
  int iterations = 0;
  const auto digits = stored.substr(0, d1);
  if (std::from_chars(digits.data(), digits.data() + digits.size(), iterations).ec != std::errc() ||
      iterations < 1 || iterations > 10'000'000) {
    return false;
  }
  const auto salt = base64_decode(stored.substr(d1 + 1, d2 - d1 - 1));
  const auto hash = base64_decode(stored.substr(d2 + 1));
  if (!salt || !hash) return false;
  return constant_time_equal(pbkdf2(password, *salt, iterations), *hash);
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace defender::console

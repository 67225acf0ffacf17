// Small OpenSSL helpers the console and its client share: base64, random tokens, password
// hashes (PBKDF2-HMAC-SHA256 with a per-user salt) and a constant-time compare. Pure
// functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace defender::console {

std::string base64_encode(std::string_view bytes);
// nullopt on anything that is not padded standard base64 (whitespace is skipped).
std::optional<std::string> base64_decode(std::string_view text);

// `bytes` random bytes from the OpenSSL CSPRNG, as lowercase hex. Throws on RNG failure.
std::string random_hex(std::size_t bytes);

// "pbkdf2-sha256$ITERATIONS$SALT_B64$HASH_B64".
std::string hash_password(std::string_view password, int iterations = 120000);
// False for a wrong password and for a malformed stored hash.
bool verify_password(std::string_view password, std::string_view stored);

bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace defender::console

// TlsContext: the one place that sets up OpenSSL for the downstream side: certificate chain and
// key, TLS 1.2+, and ALPN choosing "h2" (when HTTP/2 is on) or "http/1.1". Immutable after
// creation and shared by every worker (OpenSSL's SSL_CTX is thread-safe for this use).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace defender::cnaf {

class TlsContext {
 public:
  // Throws std::runtime_error naming the file and OpenSSL's reason on failure.
  TlsContext(const std::string& cert_file, const std::string& key_file, bool offer_h2);
  boost::asio::ssl::context& native() { return context_; }

 private:
  boost::asio::ssl::context context_;
  bool offer_h2_;
};

// ALPN chosen on an established TLS stream: "h2", "http/1.1" or "" (none).
std::string negotiated_alpn(SSL* ssl);

}  // namespace defender::cnaf

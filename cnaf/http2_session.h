// The HTTP/2 front end: serves one downstream connection that speaks HTTP/2 (h2 over TLS by
// ALPN, h2c with prior knowledge, or h2c after an HTTP/1.1 Upgrade), turning each stream into
// an HTTP/1.1 request to the app. Runs on the worker's thread; the coroutine owns the stream.
#pragma once

#include <utility>  // before asio/awaitable.hpp (Boost 1.74 misses it)
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "cnaf/request_head.h"
#include "cnaf/worker.h"

namespace defender::cnaf {

// `initial` holds bytes already read from the client (the preface, or what followed an
// Upgrade request); `upgrade_request` is the HTTP/1.1 request that asked for h2c (it becomes
// stream 1), null otherwise.
template <class Stream>
boost::asio::awaitable<void> serve_http2(std::shared_ptr<Worker> worker, std::unique_ptr<Stream> stream,
                                         std::string client_ip, bool tls, std::string initial,
                                         const RequestHead* upgrade_request);

}  // namespace defender::cnaf

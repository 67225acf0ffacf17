// MetricsServer: GET /metrics (Prometheus text format 0.0.4) and GET /healthz on a loopback
// address, HTTP/1.0 style: one request a connection, then close. Each connection reads at
// most `max_request_bytes` within `read_timeout_ms`; at most `max_connections` at once.
// Runs on the io_context it is given (one thread). The metrics text comes from a callback
// run on that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace defender::supervisor {

class MetricsServer {
 public:
  struct Options {
    std::uint32_t read_timeout_ms = 5000;
    std::size_t max_request_bytes = 8192;
    std::size_t max_connections = 16;
  };
  using Render = std::function<std::string()>;

  MetricsServer(boost::asio::io_context& io, Render render, Options options);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds "ADDR:PORT" (IPv4 or [IPv6]); a non-loopback address is refused (EACCES) since the
  // endpoint has no authentication. Starts accepting.
  std::error_code start(const std::string& listen, std::string* error);
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  void stop();  // io thread or after it stopped

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace defender::supervisor

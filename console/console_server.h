// ConsoleServer: `defender console`. Opens the store in the data folder, makes the TLS
// material and the admin user on first start, then serves the API and web UI (HTTPS) on one
// listener and the defender channel (WSS) on the other, until stop(). The API has its own
// io_context and `api_threads` threads, the channel its own and `threads`: a thousand
// defenders streaming events do not queue ahead of a user's request. Parsing and storing
// events happen on the EventWriter's thread. Construction does the blocking setup and throws
// std::runtime_error on failure.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "console/defender_session.h"
#include "core/log.h"

namespace defender::console {

struct ConsoleOptions {
  std::string api_listen = "0.0.0.0:8083";
  std::string defender_listen = "0.0.0.0:8084";
  std::string data_folder = "/var/lib/defender-console";
  std::string admin_password_file;  // first start: the admin's password; "" generates one
  std::string tls_cert;             // given material (all optional)
  std::string tls_key;
  std::string tls_ca;
  std::vector<std::string> hostnames;  // extra names for the generated server certificate
  std::string public_ws_address;       // what bundles name (default wss://<Host>:<port>)
  std::string defender_binary;         // static defender for downloads and embed
  int threads = 2;      // defender channel I/O threads
  int api_threads = 1;  // API and web UI I/O threads
  std::chrono::seconds session_ttl{8 * 3600};
  std::chrono::milliseconds http_timeout{30'000};  // per request read and write
  std::size_t max_body_bytes = std::size_t{8} << 20;
  std::size_t max_header_bytes = 16384;
  std::size_t max_api_connections = 1024;
  std::int64_t max_events = 5'000'000;
  std::size_t event_queue = 200'000;                     // parsed events waiting for the store
  std::size_t event_queue_bytes = std::size_t{32} << 20;   // and received messages, in bytes
  ChannelOptions channel;
};

class ConsoleServer {
 public:
  // `out` receives the one-time message with a generated admin password.
  ConsoleServer(ConsoleOptions options, const core::Logger& log, std::ostream& out);
  ~ConsoleServer();
  ConsoleServer(const ConsoleServer&) = delete;
  ConsoleServer& operator=(const ConsoleServer&) = delete;

  std::uint16_t api_port() const;
  std::uint16_t defender_port() const;
  void run();   // blocks until stop(); runs the I/O threads
  void stop();  // thread-safe

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace defender::console

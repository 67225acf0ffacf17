// DefenderSession: one defender's WebSocket connection on the defender channel (TLS, then
// WebSocket, then a register message with the defender token within `register_timeout`).
// Reads events and policy reports; sends policies through a bounded outbox. Runs as two
// coroutines (reader, writer) on the connection's strand; owned by itself (shared_from_this)
// while it runs.
#pragma once

#include <utility>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "console/defender_hub.h"
#include "console/event_writer.h"
#include "core/log.h"

namespace defender::console {

struct ChannelOptions {
  std::chrono::milliseconds handshake_timeout{10'000};  // TLS + WebSocket + register
  std::chrono::milliseconds idle_timeout{120'000};      // pings at half of it
  std::size_t max_message_bytes = std::size_t{8} << 20;
  std::size_t max_outbox = 64;                          // queued messages to one defender
  std::chrono::milliseconds retry_delay{200};           // told to busy defenders
};

// What every session shares; owned by the console server.
struct ChannelContext {
  Store& store;
  DefenderHub& hub;
  EventWriter& writer;
  core::Logger log;
  std::string token;  // the defender token of the install bundle
  ChannelOptions options;
};

class DefenderSession final : public DefenderLink,
                              public std::enable_shared_from_this<DefenderSession> {
 public:
  using Stream = boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

  DefenderSession(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls,
                  ChannelContext& context);
  void start();
  void send(std::string message) override;

 private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> write_loop();
  bool handle_register(const std::string& text, std::string& error);
  void handle_message(std::string text);
  void close_now();
  void save_record();

  Stream ws_;
  ChannelContext& context_;
  boost::asio::steady_timer wake_;      // writer wake-up
  boost::asio::steady_timer deadline_;  // register deadline
  std::deque<std::string> outbox_;
  bool open_ = true;
  bool registered_ = false;
  std::uint64_t hub_id_ = 0;
  DefenderRecord record_;
};

}  // namespace defender::console

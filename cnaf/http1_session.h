// Http1Session: one downstream connection (the HTTP/1 front end). It does the TLS handshake
// when the stream is TLS, hands the connection to the HTTP/2 front end when ALPN says h2 or
// the client starts with the HTTP/2 preface (h2c prior knowledge) or asks for Upgrade: h2c,
// and otherwise serves HTTP/1.1 requests one at a time (pipelined requests wait their turn):
// parse with limits, inspect, forward to the app over a pooled connection, relay the response
// with its body streamed through bounded buffers (backpressure both ways), tunnel after 101.
// Created by the Worker for each accepted connection; lives on the worker's thread; kept alive
// by its coroutine. Stream is tcp::socket or ssl::stream<tcp::socket>.
#pragma once

#include <utility>  // before asio/awaitable.hpp (Boost 1.74 misses it)
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "cnaf/header_rewrite.h"
#include "cnaf/http1_request_parser.h"
#include "cnaf/http1_response_parser.h"
#include "cnaf/inspector.h"
#include "cnaf/worker.h"

namespace defender::cnaf {

using TcpStream = boost::asio::ip::tcp::socket;
using TlsStream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

template <class Stream>
class Http1Session final : public Timed, public std::enable_shared_from_this<Http1Session<Stream>> {
 public:
  static constexpr std::size_t kBufferSize = 16384;

  Http1Session(std::shared_ptr<Worker> worker, std::unique_ptr<Stream> stream, std::string client_ip);
  ~Http1Session() override;
  void start();

  void on_deadline() override;
  void on_drain() override;
  void on_stop() override;

 private:
  // What the session is waiting for: decides what a deadline means.
  enum class Wait : std::uint8_t {
    none, handshake, idle, header, body, client_write, upstream_connect, upstream, tunnel, linger
  };
  enum class Read : std::uint8_t { event, eof, failed };
  enum class Relay : std::uint8_t { done, failed, retry };
  using Event = Http1RequestParser::Event;

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<bool> serve_request();
  boost::asio::awaitable<Read> parse_more(std::string* body_out, std::size_t body_goal, Event& event);
  boost::asio::awaitable<bool> read_client();
  boost::asio::awaitable<bool> write_client(std::string_view a, std::string_view b = {},
                                            std::string_view c = {});
  boost::asio::awaitable<bool> connect_upstream();
  boost::asio::awaitable<bool> send_request(bool body_done);
  boost::asio::awaitable<bool> forward_body();
  boost::asio::awaitable<Relay> relay_response(bool& keep_alive);
  boost::asio::awaitable<void> tunnel();
  boost::asio::awaitable<void> linger();
  boost::asio::awaitable<void> pump_client_to_upstream();
  boost::asio::awaitable<bool> refuse(ProxyError error, std::string_view detail);
  boost::asio::awaitable<bool> refuse_unknown_method();
  boost::asio::awaitable<bool> respond_error(int status, bool close);

  void wait_for(Wait what, std::uint32_t ms);
  TcpStream::lowest_layer_type& socket() { return stream_->lowest_layer(); }
  void close_all();
  bool stopping() const { return stopped_; }

  std::shared_ptr<Worker> worker_;
  std::unique_ptr<Stream> stream_;
  std::string client_ip_;
  std::shared_ptr<const ProxyConfig> config_;  // for the current request
  Http1RequestParser parser_;
  Http1ResponseParser response_parser_;
  std::unique_ptr<UpstreamConnection> upstream_;
  std::unique_ptr<char[]> rbuf_;  // from the client
  std::size_t rpos_ = 0, rend_ = 0;
  std::unique_ptr<char[]> ubuf_;  // from the app (allocated on first use)
  std::size_t upos_ = 0, uend_ = 0;
  std::string request_id_;
  std::string out_;     // heads and framing going out
  std::string body_;    // request body prefix (inspection) or the current chunk
  std::string rbody_;   // response body bytes of one read
  std::vector<HeaderView> header_views_;
  std::chrono::steady_clock::time_point request_start_;
  Wait wait_ = Wait::none;
  Wait timed_out_ = Wait::none;
  bool tls_ = false;
  bool first_request_ = true;
  bool drain_requested_ = false;
  bool stopped_ = false;
  bool counted_ = false;
  bool answered_early_ = false;  // the app answered before it had the whole request body
};

extern template class Http1Session<TcpStream>;
extern template class Http1Session<TlsStream>;

}  // namespace defender::cnaf

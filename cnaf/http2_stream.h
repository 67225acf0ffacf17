// Http2Stream: one HTTP/2 request of a downstream connection and its exchange with the app.
// The connection (http2_session.cc) feeds it what nghttp2 parses (headers, body data, the end
// of the stream, its closing); once the head is complete the stream's coroutine validates and
// inspects the request, sends it to the app as HTTP/1.1 over a pooled connection, and relays
// the response back through nghttp2 (a data provider reading the stream's bounded buffer).
//
// Memory is bounded both ways: request body bytes are taken from nghttp2 only as fast as the
// app takes them (the stream's flow-control window is reopened by nghttp2_session_consume
// after each write upstream), and response bytes are read from the app only when nghttp2 has
// sent the previous ones. Runs on the worker's thread; kept alive by its coroutine.
#pragma once

#include <utility>  // before asio/awaitable.hpp (Boost 1.74 misses it)
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cnaf/error.h"
#include "cnaf/http1_response_parser.h"
#include "cnaf/inspector.h"
#include "cnaf/request_events.h"
#include "cnaf/request_head.h"
#include "cnaf/upstream_pool.h"
#include "cnaf/worker.h"

struct nghttp2_session;

namespace defender::cnaf {

// What a stream needs from its connection.
class Http2Link {
 public:
  virtual ~Http2Link() = default;
  virtual nghttp2_session* session() = 0;
  virtual void flush() = 0;  // sends what nghttp2 has queued (soon, on the worker's thread)
};

class Http2Stream final : public Timed, public std::enable_shared_from_this<Http2Stream> {
 public:
  static constexpr std::size_t kBufferSize = 16384;

  Http2Stream(std::shared_ptr<Http2Link> link, std::shared_ptr<Worker> worker, std::int32_t id,
              std::string_view client_ip, bool tls);

  // From the connection, while nghttp2 parses (never re-entering nghttp2 from here).
  void on_header(std::string_view name, std::string_view value);
  void on_head_complete(bool end_stream);  // starts the exchange
  void on_data(const std::uint8_t* data, std::size_t len);
  void on_end_stream();
  void on_closed(std::uint32_t error_code);
  void on_response_sent();  // the frame ending our side was sent
  // nghttp2's data provider: copies response body bytes into `buf`.
  long read_response(std::uint8_t* buf, std::size_t length, std::uint32_t* data_flags);

  // The HTTP/1.1 request that asked for h2c becomes stream 1 (its body, if any, was read).
  void adopt_upgrade_request(const RequestHead& head);

  void on_deadline() override;
  void on_drain() override {}  // the connection sends GOAWAY; in-flight streams finish
  void on_stop() override;

  std::int32_t id() const { return id_; }

 private:
  enum class Wait : std::uint8_t { none, head, body, upstream_connect, upstream, client, linger };
  enum class Relay : std::uint8_t { done, failed, retry };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<bool> take_body_prefix(std::size_t goal);
  boost::asio::awaitable<bool> connect_upstream();
  boost::asio::awaitable<bool> send_request();
  boost::asio::awaitable<bool> forward_body();
  boost::asio::awaitable<Relay> relay_response();
  void finish_early();
  boost::asio::awaitable<void> wait_signal();
  boost::asio::awaitable<bool> wait_response_drained();
  void respond_error(int status);
  void refuse(ProxyError error, std::string_view detail);
  // `fields` null: only :status and x-request-id. `chunked_source`: the app's Content-Length
  // (if any) is not passed on.
  void submit_response_head(int status, const RequestHead* fields, bool chunked_source, bool with_body);
  void reset(std::uint32_t error_code);
  void consume(std::size_t n);
  void wake();
  void wait_for(Wait what, std::uint32_t ms);
  bool usable() const { return !closed_ && !stopped_; }
  RequestIdentity identity() const;

  std::shared_ptr<Http2Link> link_;
  std::shared_ptr<Worker> worker_;
  std::shared_ptr<const ProxyConfig> config_;
  std::int32_t id_;
  std::string client_ip_;
  bool tls_;

  // The request.
  RequestHead head_;
  std::string authority_;
  std::size_t head_bytes_ = 0;
  ProxyError head_error_ = ProxyError::none;
  std::string_view head_error_detail_;
  bool has_host_ = false;
  bool has_length_ = false;
  std::string request_id_;
  std::string in_;      // body bytes nghttp2 handed over, not yet taken (bounded by the window)
  std::string body_;    // body prefix (inspection), then the piece being forwarded
  std::uint64_t body_received_ = 0;
  bool remote_done_ = false;
  bool discarding_ = false;  // body bytes from now on are dropped (answered, refused, gone)
  bool too_large_ = false;   // the body went over max_body_bytes
  std::vector<HeaderView> header_views_;
  std::chrono::steady_clock::time_point request_start_;

  // The exchange with the app.
  std::unique_ptr<UpstreamConnection> upstream_;
  Http1ResponseParser response_parser_;
  std::unique_ptr<char[]> ubuf_;
  std::string out_;
  std::string resp_;        // response body bytes waiting for nghttp2
  std::size_t resp_pos_ = 0;
  bool resp_eof_ = false;   // resp_ holds the last bytes of the body
  bool response_started_ = false;
  bool response_sent_ = false;
  bool replayable_ = false;       // the whole request went in one write (may be sent again)
  bool upstream_failed_ = false;  // connect, write, read or parse failed: 502
  bool answered_early_ = false;   // the app answered before it had the whole request body

  boost::asio::steady_timer signal_;  // wakes the coroutine (cancelled by wake())
  Wait wait_ = Wait::none;
  Wait timed_out_ = Wait::none;
  bool started_ = false;
  bool closed_ = false;   // nghttp2 closed the stream (RST, GOAWAY, connection gone)
  bool stopped_ = false;  // the worker stops: close now
};

}  // namespace defender::cnaf

#include "cnaf/http2_session.h"

#include <nghttp2/nghttp2.h>

#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "cnaf/http1_session.h"
#include "cnaf/http2_stream.h"
#include "core/base64.h"

namespace defender::cnaf {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

namespace {

struct CallbacksDeleter {
  void operator()(nghttp2_session_callbacks* c) const { nghttp2_session_callbacks_del(c); }
};
struct OptionDeleter {
  void operator()(nghttp2_option* o) const { nghttp2_option_del(o); }
};

}  // namespace

// One HTTP/2 connection: the nghttp2 server session, its socket and its streams. The read loop
// feeds nghttp2; a write loop (started by flush()) sends what nghttp2 queues, one write at a
// time. Timed: waits for the first request (header timeout) and between streams (idle
// timeout); drain sends GOAWAY and closes when the last stream is done.
template <class Stream>
class Http2Connection final : public Http2Link,
                              public Timed,
                              public std::enable_shared_from_this<Http2Connection<Stream>> {
 public:
  static constexpr std::size_t kReadSize = 16384;
  static constexpr std::size_t kWriteChunk = 65536;

  Http2Connection(std::shared_ptr<Worker> worker, std::unique_ptr<Stream> stream, std::string client_ip,
                  bool tls)
      : worker_(std::move(worker)),
        stream_(std::move(stream)),
        client_ip_(std::move(client_ip)),
        tls_(tls),
        rbuf_(new char[kReadSize]) {
    worker_->link(*this);
  }

  ~Http2Connection() override {
    if (session_ != nullptr) nghttp2_session_del(session_);
  }

  nghttp2_session* session() override { return session_; }

  void flush() override {
    if (writing_ || closed_ || session_ == nullptr) return;
    if (nghttp2_session_want_write(session_) == 0) {
      finish_if_done();
      return;
    }
    writing_ = true;
    asio::co_spawn(worker_->io(), [self = this->shared_from_this()] { return self->write_loop(); },
                   asio::detached);
  }

  void on_deadline() override {
    // No stream for too long (or the first request never came): say goodbye and close.
    if (!streams_.empty() || closed_) return;
    if (session_ != nullptr && !goaway_sent_) {
      goaway_sent_ = true;
      nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(session_),
                            NGHTTP2_NO_ERROR, nullptr, 0);
      flush();
    }
    if (!writing_) close();
  }

  void on_drain() override {
    if (closed_ || session_ == nullptr || goaway_sent_) return;
    goaway_sent_ = true;
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(session_),
                          NGHTTP2_NO_ERROR, nullptr, 0);
    flush();
  }

  void on_stop() override { close(); }

  awaitable<void> run(std::string initial, const RequestHead* upgrade_request) {
    auto self = this->shared_from_this();
    const std::shared_ptr<const ProxyConfig> config = worker_->config();  // a reload may swap the worker's
    const policy::CnafLimits& limits = config->limits;
    if (!open_session(limits)) {
      close();
      co_return;
    }
    if (upgrade_request != nullptr && !adopt_upgrade(*upgrade_request)) {
      close();
      co_return;
    }
    set_deadline(std::chrono::milliseconds(limits.header_timeout_ms));
    if (!initial.empty() && !receive(initial.data(), initial.size())) {
      if (!writing_) close();
      co_return;
    }
    flush();
    while (!closed_) {
      error_code ec;
      const std::size_t n = co_await stream_->async_read_some(asio::buffer(rbuf_.get(), kReadSize),
                                                              asio::redirect_error(use_awaitable, ec));
      if (ec || n == 0 || closed_) break;
      ProxyStats::add(worker_->stats().bytes_from_clients, n);
      if (!receive(rbuf_.get(), n)) break;
      flush();
    }
    if (!writing_) close();
    // else the write loop sends what is left (a GOAWAY) and closes.
  }

 private:
  bool open_session(const policy::CnafLimits& limits) {
    nghttp2_session_callbacks* raw = nullptr;
    if (nghttp2_session_callbacks_new(&raw) != 0) return false;
    const std::unique_ptr<nghttp2_session_callbacks, CallbacksDeleter> callbacks(raw);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks.get(), on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks.get(), on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks.get(), on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks.get(), on_data_chunk_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks.get(), on_stream_close);
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks.get(), on_frame_send);
    nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(callbacks.get(), on_invalid_frame_recv);

    nghttp2_option* raw_option = nullptr;
    if (nghttp2_option_new(&raw_option) != 0) return false;
    const std::unique_ptr<nghttp2_option, OptionDeleter> option(raw_option);
    // Body bytes are acknowledged (WINDOW_UPDATE) only once the app has taken them.
    nghttp2_option_set_no_auto_window_update(option.get(), 1);
    nghttp2_option_set_max_send_header_block_length(option.get(), 65536);
    nghttp2_option_set_max_outbound_ack(option.get(), 1000);
    nghttp2_option_set_max_settings(option.get(), 32);

    if (nghttp2_session_server_new2(&session_, callbacks.get(), this, option.get()) != 0) {
      session_ = nullptr;
      return false;
    }
    const std::array<nghttp2_settings_entry, 3> settings{{
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, limits.http2_max_streams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, limits.http2_stream_window_bytes},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
         static_cast<std::uint32_t>(std::min<std::uint64_t>(limits.max_header_bytes + 4096, 1u << 24))},
    }};
    if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size()) != 0) return false;
    if (limits.http2_connection_window_bytes > 65535) {
      nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                            static_cast<std::int32_t>(limits.http2_connection_window_bytes));
    }
    return true;
  }

  // RFC 7540 3.2: the HTTP/1.1 request that asked for h2c is stream 1 (half-closed remote).
  bool adopt_upgrade(const RequestHead& request) {
    // HTTP2-Settings is base64url without padding (RFC 7540 3.2.1).
    std::string payload;
    if (!core::base64_decode(request.find("http2-settings").value_or(""), payload)) return false;
    if (nghttp2_session_upgrade2(session_, reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size(),
                                 request.is_head ? 1 : 0, nullptr) != 0) {
      return false;
    }
    auto stream = std::make_shared<Http2Stream>(this->shared_from_this(), worker_, 1, client_ip_, tls_);
    nghttp2_session_set_stream_user_data(session_, 1, stream.get());
    streams_.emplace(1, stream);
    clear_deadline();
    stream->adopt_upgrade_request(request);
    return true;
  }

  bool receive(const char* data, std::size_t n) {
    const auto rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(data), n);
    if (rv < 0) {
      ProxyStats::add(worker_->stats().protocol_errors);
      if (worker_->log().enabled(core::LogLevel::debug)) {
        worker_->log().debug("cnaf", client_ip_ + ": h2: " + nghttp2_strerror(static_cast<int>(rv)));
      }
      if (rv == NGHTTP2_ERR_BAD_CLIENT_MAGIC) return false;
      // Flooding or a callback failure: tell the client why, then close.
      nghttp2_session_terminate_session(session_, rv == NGHTTP2_ERR_FLOODED ? NGHTTP2_ENHANCE_YOUR_CALM
                                                                             : NGHTTP2_PROTOCOL_ERROR);
      flush();
      return false;
    }
    return true;
  }

  awaitable<void> write_loop() {
    auto self = this->shared_from_this();
    for (;;) {
      wbuf_.clear();
      while (wbuf_.size() < kWriteChunk && !closed_) {
        const std::uint8_t* data = nullptr;
        const auto n = nghttp2_session_mem_send(session_, &data);
        if (n < 0) {
          writing_ = false;
          close();
          co_return;
        }
        if (n == 0) break;
        wbuf_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
      }
      if (wbuf_.empty() || closed_) break;
      error_code ec;
      co_await asio::async_write(*stream_, asio::buffer(wbuf_), asio::redirect_error(use_awaitable, ec));
      if (ec) {
        writing_ = false;
        close();
        co_return;
      }
    }
    writing_ = false;
    finish_if_done();
  }

  // nghttp2 wants nothing more (GOAWAY exchanged, streams done): close.
  void finish_if_done() {
    if (closed_ || writing_ || session_ == nullptr) return;
    const bool over = nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
    if (over || (goaway_sent_ && streams_.empty())) close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    clear_deadline();
    error_code ignored;
    stream_->lowest_layer().close(ignored);
    // The streams still running stop at their next step; they never touch nghttp2 again.
    auto streams = std::move(streams_);
    streams_.clear();
    for (auto& [id, s] : streams) s->on_closed(NGHTTP2_CANCEL);
    // Released later, not here: close() may run inside the worker's walk over its Timed list
    // (deadline, stop), which destroying a stream would unlink from under it.
    asio::post(worker_->io(), [streams = std::move(streams)] {});
  }

  void stream_gone() {
    if (!streams_.empty() || closed_) return;
    set_deadline(std::chrono::milliseconds(worker_->config()->limits.idle_timeout_ms));
  }

  static Http2Connection* self_of(void* user_data) { return static_cast<Http2Connection*>(user_data); }
  static Http2Stream* stream_of(nghttp2_session* session, std::int32_t id) {
    return static_cast<Http2Stream*>(nghttp2_session_get_stream_user_data(session, id));
  }

  static int on_begin_headers(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    Http2Connection* self = self_of(user_data);
    const std::int32_t id = frame->hd.stream_id;
    auto stream = std::make_shared<Http2Stream>(self->shared_from_this(), self->worker_, id, self->client_ip_,
                                                self->tls_);
    nghttp2_session_set_stream_user_data(session, id, stream.get());
    self->streams_.emplace(id, std::move(stream));
    self->clear_deadline();
    return 0;
  }

  static int on_header(nghttp2_session* session, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t namelen, const std::uint8_t* value, std::size_t valuelen, std::uint8_t,
                       void*) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;  // trailers
    if (Http2Stream* s = stream_of(session, frame->hd.stream_id)) {
      s->on_header(std::string_view(reinterpret_cast<const char*>(name), namelen),
                   std::string_view(reinterpret_cast<const char*>(value), valuelen));
    }
    return 0;
  }

  static int on_frame_recv(nghttp2_session* session, const nghttp2_frame* frame, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    Http2Stream* s = stream_of(session, frame->hd.stream_id);
    if (s == nullptr) return 0;
    const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      s->on_head_complete(end_stream);
    } else if (end_stream) {
      s->on_end_stream();
    }
    return 0;
  }

  static int on_data_chunk_recv(nghttp2_session* session, std::uint8_t, std::int32_t id, const std::uint8_t* data,
                                std::size_t len, void*) {
    if (Http2Stream* s = stream_of(session, id)) {
      s->on_data(data, len);
    } else {
      nghttp2_session_consume(session, id, len);
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session*, std::int32_t id, std::uint32_t error_code, void* user_data) {
    Http2Connection* self = self_of(user_data);
    const auto it = self->streams_.find(id);
    if (it == self->streams_.end()) return 0;
    const std::shared_ptr<Http2Stream> stream = std::move(it->second);
    self->streams_.erase(it);
    stream->on_closed(error_code);
    self->stream_gone();
    return 0;
  }

  static int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void*) {
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
      if (Http2Stream* s = stream_of(session, frame->hd.stream_id)) s->on_response_sent();
    }
    return 0;
  }

  static int on_invalid_frame_recv(nghttp2_session*, const nghttp2_frame*, int lib_error_code, void* user_data) {
    Http2Connection* self = self_of(user_data);
    ProxyStats::add(self->worker_->stats().protocol_errors);
    if (self->worker_->log().enabled(core::LogLevel::debug)) {
      self->worker_->log().debug("cnaf", self->client_ip_ + ": h2 invalid frame: " + nghttp2_strerror(lib_error_code));
    }
    return 0;
  }

  std::shared_ptr<Worker> worker_;
  std::unique_ptr<Stream> stream_;
  std::string client_ip_;
  bool tls_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<std::int32_t, std::shared_ptr<Http2Stream>> streams_;
  std::unique_ptr<char[]> rbuf_;
  std::string wbuf_;
  bool writing_ = false;
  bool closed_ = false;
  bool goaway_sent_ = false;
};

template <class Stream>
awaitable<void> serve_http2(std::shared_ptr<Worker> worker, std::unique_ptr<Stream> stream, std::string client_ip,
                            bool tls, std::string initial, const RequestHead* upgrade_request) {
  const auto connection =
      std::make_shared<Http2Connection<Stream>>(std::move(worker), std::move(stream), std::move(client_ip), tls);
  co_await connection->run(std::move(initial), upgrade_request);
}

template awaitable<void> serve_http2<TcpStream>(std::shared_ptr<Worker>, std::unique_ptr<TcpStream>, std::string,
                                                bool, std::string, const RequestHead*);
template awaitable<void> serve_http2<TlsStream>(std::shared_ptr<Worker>, std::unique_ptr<TlsStream>, std::string,
                                                bool, std::string, const RequestHead*);

}  // namespace defender::cnaf

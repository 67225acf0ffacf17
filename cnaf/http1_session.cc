#include "cnaf/http1_session.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "cnaf/block_page.h"
#include "cnaf/http2_session.h"
#include "cnaf/request_events.h"
#include "cnaf/tls_context.h"

namespace defender::cnaf {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

namespace {

constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

}  // namespace

template <class Stream>
Http1Session<Stream>::Http1Session(std::shared_ptr<Worker> worker, std::unique_ptr<Stream> stream,
                                   std::string client_ip)
    : worker_(std::move(worker)),
      stream_(std::move(stream)),
      client_ip_(std::move(client_ip)),
      parser_(worker_->config()->request_limits),
      rbuf_(new char[kBufferSize]) {
  tls_ = !std::is_same_v<Stream, TcpStream>;
  worker_->link(*this);
  ProxyStats::add(worker_->stats().connections_active);
  worker_->shared().active_connections.fetch_add(1, std::memory_order_relaxed);
  counted_ = true;
}

template <class Stream>
Http1Session<Stream>::~Http1Session() {
  if (counted_) {
    worker_->stats().connections_active.fetch_sub(1, std::memory_order_relaxed);
    worker_->shared().active_connections.fetch_sub(1, std::memory_order_relaxed);
  }
}

template <class Stream>
void Http1Session<Stream>::start() {
  asio::co_spawn(worker_->io(), [self = this->shared_from_this()] { return self->run(); },
                 asio::detached);
}

template <class Stream>
void Http1Session<Stream>::wait_for(Wait what, std::uint32_t ms) {
  wait_ = what;
  set_deadline(std::chrono::milliseconds(ms));
}

template <class Stream>
void Http1Session<Stream>::close_all() {
  error_code ignored;
  if (stream_) socket().close(ignored);  // null once handed to the HTTP/2 front end
  if (upstream_) upstream_->socket.close(ignored);
}

template <class Stream>
void Http1Session<Stream>::on_deadline() {
  timed_out_ = wait_;
  error_code ignored;
  switch (wait_) {
    case Wait::upstream_connect:
    case Wait::upstream:
      if (upstream_) upstream_->socket.cancel(ignored);
      break;
    case Wait::header:
      socket().cancel(ignored);  // then 408
      break;
    default:
      close_all();
      break;
  }
}

template <class Stream>
void Http1Session<Stream>::on_drain() {
  drain_requested_ = true;
  if (stream_ && wait_ == Wait::idle && rpos_ == rend_) {  // between requests: nothing to finish
    error_code ignored;
    socket().close(ignored);
  }
}

template <class Stream>
void Http1Session<Stream>::on_stop() {
  stopped_ = true;
  close_all();
}

template <class Stream>
awaitable<bool> Http1Session<Stream>::read_client() {
  error_code ec;
  const std::size_t n =
      co_await stream_->async_read_some(asio::buffer(rbuf_.get(), kBufferSize), asio::redirect_error(use_awaitable, ec));
  if (ec || n == 0) co_return false;
  rpos_ = 0;
  rend_ = n;
  ProxyStats::add(worker_->stats().bytes_from_clients, n);
  co_return true;
}

template <class Stream>
awaitable<bool> Http1Session<Stream>::write_client(std::string_view a, std::string_view b,
                                                   std::string_view c) {
  const std::array<asio::const_buffer, 3> buffers{asio::buffer(a), asio::buffer(b), asio::buffer(c)};
  error_code ec;
  const std::size_t n = co_await asio::async_write(*stream_, buffers, asio::redirect_error(use_awaitable, ec));
  ProxyStats::add(worker_->stats().bytes_to_clients, n);
  co_return !ec;
}


// Feeds buffered client bytes to the parser (reading more when they run out) until it reports
// an event, or until `body_goal` body bytes are in `body_out` (then event is need_more).
template <class Stream>
awaitable<typename Http1Session<Stream>::Read> Http1Session<Stream>::parse_more(
    std::string* body_out, std::size_t body_goal, Event& event) {
  for (;;) {
    if (rpos_ < rend_) {
      const auto r = parser_.feed(std::string_view(rbuf_.get() + rpos_, rend_ - rpos_), body_out);
      rpos_ += r.consumed;
      if (r.event != Event::need_more) {
        event = r.event;
        co_return Read::event;
      }
      if (body_out != nullptr && body_goal > 0 && body_out->size() >= body_goal) {
        event = Event::need_more;
        co_return Read::event;
      }
      if (rpos_ < rend_) continue;  // the window was cut at the head limit: feed the rest
    }
    if (!co_await read_client()) {
      co_return (parser_.at_message_boundary() && timed_out_ == Wait::none) ? Read::eof : Read::failed;
    }
    if (wait_ == Wait::idle) wait_for(Wait::header, config_->limits.header_timeout_ms);
  }
}

template <class Stream>
awaitable<bool> Http1Session<Stream>::respond_error(int status, bool close) {
  out_.clear();
  build_error_response(status, request_id_, close, out_);
  worker_->stats().count_status(status);
  wait_for(Wait::client_write, config_->limits.idle_timeout_ms);
  const bool ok = co_await write_client(out_);
  co_return ok && !close;
}

template <class Stream>
awaitable<bool> Http1Session<Stream>::refuse(ProxyError error, std::string_view detail) {
  ProxyStats::add(worker_->stats().protocol_errors);
  const RequestHead& head = parser_.head();
  if (request_id_.empty()) worker_->ids().next(request_id_);
  // A method llhttp does not know leaves no head: the event names what the parser read.
  const bool unknown = head.method().empty() && !parser_.unknown_method().empty();
  emit_protocol_event(worker_->events(), config_->protocol_mode, error, detail,
                      RequestIdentity{request_id_, client_ip_, unknown ? parser_.unknown_method() : head.method(),
                                      unknown ? parser_.unknown_target() : head.target()});
  if (worker_->log().enabled(core::LogLevel::debug)) {
    worker_->log().debug("cnaf", client_ip_ + ": " + std::string(reason_of(error)) + ": " + std::string(detail));
  }
  co_await respond_error(status_of(error), true);
  co_return false;
}

// A method llhttp does not know is still a method: the inspector judges it as any other (the
// WAF: not in cnaf.allowed_methods, its block status and an event). One it lets through
// cannot be proxied: 501 (RFC 9110 15.6.2). Either way the connection closes.
template <class Stream>
awaitable<bool> Http1Session<Stream>::refuse_unknown_method() {
  worker_->ids().next(request_id_);
  const RequestIdentity who{request_id_, client_ip_, parser_.unknown_method(), parser_.unknown_target()};
  RequestView view;
  view.request_id = request_id_;
  view.client_ip = client_ip_;
  view.method = parser_.unknown_method();
  view.target = parser_.unknown_target();
  view.http_version = "HTTP/1.1";
  view.tls = tls_;
  const Verdict verdict = config_->inspector->inspect(view);
  if (!verdict.findings.empty()) emit_findings(worker_->events(), verdict, who);
  if (verdict.allowed()) co_return co_await refuse(ProxyError::unsupported, "request method unknown to the proxy");
  ProxyStats::add(worker_->stats().blocked);
  co_await respond_error(verdict.status > 0 ? verdict.status : config_->block_status, true);
  co_return false;
}

template <class Stream>
awaitable<void> Http1Session<Stream>::run() {
  config_ = worker_->config();
  if constexpr (!std::is_same_v<Stream, TcpStream>) {
    wait_for(Wait::handshake, config_->limits.header_timeout_ms);
    error_code ec;
    co_await stream_->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    if (worker_->sealed().http2 && negotiated_alpn(stream_->native_handle()) == "h2") {
      clear_deadline();
      wait_ = Wait::none;
      co_await serve_http2(worker_, std::move(stream_), client_ip_, true, {}, nullptr);
      co_return;
    }
  }
  {
    const Verdict verdict = config_->inspector->on_connection(client_ip_);
    if (!verdict.allowed()) {
      ProxyStats::add(worker_->stats().connections_refused);
      emit_connection_refused(worker_->events(), verdict, client_ip_);
      co_return;
    }
  }
  while (!stopping()) {
    if (!co_await serve_request()) break;
    if (drain_requested_ || worker_->draining()) break;
    first_request_ = false;
  }
  clear_deadline();
  wait_ = Wait::none;
  if (stream_) {
    error_code ignored;
    if constexpr (std::is_same_v<Stream, TcpStream>) {
      socket().shutdown(asio::socket_base::shutdown_send, ignored);
      if (parser_.in_body() && !stopping()) co_await linger();
    }
    socket().close(ignored);
  }
}

// We answered (a block, an early answer of the app) while the client was still sending its
// body. Closing now would make the kernel reset the connection, and a client still writing
// could lose our answer: read and drop what it sends until it stops, for at most
// header_timeout_ms and max_body_bytes (nginx's lingering close).
template <class Stream>
awaitable<void> Http1Session<Stream>::linger() {
  wait_for(Wait::linger, config_->limits.header_timeout_ms);
  std::uint64_t dropped = 0;
  while (timed_out_ == Wait::none && !stopping() && dropped <= config_->limits.max_body_bytes) {
    error_code ec;
    const std::size_t n = co_await stream_->async_read_some(asio::buffer(rbuf_.get(), kBufferSize),
                                                            asio::redirect_error(use_awaitable, ec));
    if (ec || n == 0) break;
    dropped += n;
  }
  clear_deadline();
  wait_ = Wait::none;
}

template <class Stream>
awaitable<bool> Http1Session<Stream>::serve_request() {
  config_ = worker_->config();
  const policy::CnafLimits* limits = &config_->limits;  // re-pointed when a reload swaps config_
  parser_.set_limits(config_->request_limits);
  request_id_.clear();
  timed_out_ = Wait::none;

  // h2c with prior knowledge: the connection starts with the HTTP/2 preface.
  if (first_request_ && worker_->sealed().http2) {
    wait_for(Wait::header, limits->header_timeout_ms);
    while (rend_ - rpos_ < kH2Preface.size()) {
      const std::string_view have(rbuf_.get() + rpos_, rend_ - rpos_);
      if (have != kH2Preface.substr(0, have.size())) break;
      if (rpos_ != 0) break;
      error_code ec;
      const std::size_t n = co_await stream_->async_read_some(
          asio::buffer(rbuf_.get() + rend_, kBufferSize - rend_), asio::redirect_error(use_awaitable, ec));
      if (ec || n == 0) co_return false;
      rend_ += n;
      ProxyStats::add(worker_->stats().bytes_from_clients, n);
    }
    const std::string_view have(rbuf_.get() + rpos_, rend_ - rpos_);
    if (have.substr(0, kH2Preface.size()) == kH2Preface) {
      clear_deadline();
      wait_ = Wait::none;
      co_await serve_http2(worker_, std::move(stream_), client_ip_, tls_, std::string(have), nullptr);
      co_return false;
    }
  }

  wait_for(first_request_ ? Wait::header : Wait::idle,
           first_request_ ? limits->header_timeout_ms : limits->idle_timeout_ms);
  if (rpos_ < rend_ && wait_ == Wait::idle) wait_for(Wait::header, limits->header_timeout_ms);
  Event event = Event::need_more;
  body_.clear();
  Read read = co_await parse_more(&body_, 0, event);
  if (read == Read::eof) co_return false;
  if (read == Read::failed) {
    if (timed_out_ == Wait::header && !stopping()) {
      ProxyStats::add(worker_->stats().header_timeouts);
      worker_->ids().next(request_id_);
      co_await respond_error(408, true);
    }
    co_return false;
  }
  if (event == Event::error) {
    if (!parser_.unknown_method().empty()) co_return co_await refuse_unknown_method();
    co_return co_await refuse(parser_.error(), parser_.error_detail());
  }

  // The head is in; event is head_complete (a body follows), message_complete or upgrade.
  // A reload while the connection waited applies from this request on.
  config_ = worker_->config();
  limits = &config_->limits;
  request_start_ = std::chrono::steady_clock::now();
  ProxyStats::add(worker_->stats().requests);
  RequestHead& head = parser_.head();
  if (const auto id = head.find("x-request-id"); id && is_acceptable_request_id(*id)) {
    request_id_.assign(*id);
  } else {
    worker_->ids().next(request_id_);
  }
  const RequestIdentity who{request_id_, client_ip_, head.method(), head.target()};
  bool body_done = event != Event::head_complete;
  const bool upgrade = event == Event::upgrade;

  if (head.h2c_upgrade && worker_->sealed().http2 && !tls_ && body_done) {
    // RFC 7540 3.2: answer 101, then the request is stream 1 of an HTTP/2 connection.
    wait_for(Wait::client_write, limits->idle_timeout_ms);
    if (!co_await write_client("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")) {
      co_return false;
    }
    clear_deadline();
    wait_ = Wait::none;
    const std::string rest(rbuf_.get() + rpos_, rend_ - rpos_);
    co_await serve_http2(worker_, std::move(stream_), client_ip_, tls_, rest, &head);
    co_return false;
  }

  if (!body_done && head.expect_continue && head.minor >= 1 && rpos_ == rend_) {
    wait_for(Wait::client_write, limits->idle_timeout_ms);
    if (!co_await write_client(continue_response())) co_return false;
  }
  // Body prefix: what is already buffered, and up to inspect_body_bytes when inspecting.
  if (!body_done) {
    const std::size_t goal = config_->inspect_body ? static_cast<std::size_t>(limits->inspect_body_bytes) : 0;
    if (goal > 0 || rpos_ < rend_) {
      wait_for(Wait::body, limits->idle_timeout_ms);
      for (;;) {
        if (goal == 0 && rpos_ == rend_) break;
        read = co_await parse_more(&body_, goal == 0 ? 1 : goal, event);
        if (read != Read::event) co_return false;
        if (event == Event::error) co_return co_await refuse(parser_.error(), parser_.error_detail());
        if (event == Event::message_complete) {
          body_done = true;
          break;
        }
        if (goal > 0 && body_.size() >= goal) break;
        if (goal == 0) break;
      }
    }
  }

  // Inspection.
  {
    const std::size_t shown = std::min<std::size_t>(body_.size(), limits->inspect_body_bytes);
    const RequestView view = make_request_view(head, who, std::string_view(body_).substr(0, shown),
                                               !body_done || shown < body_.size(), tls_, header_views_);
    const Verdict verdict = config_->inspector->inspect(view);
    if (!verdict.findings.empty()) emit_findings(worker_->events(), verdict, who);
    if (!verdict.allowed()) {
      ProxyStats::add(worker_->stats().blocked);
      const bool close = !body_done || verdict.outcome == Verdict::Outcome::ban || !head.keep_alive;
      const bool keep = co_await respond_error(verdict.status > 0 ? verdict.status : config_->block_status, close);
      worker_->stats().record_latency(std::chrono::steady_clock::now() - request_start_);
      co_return keep;
    }
  }

  // To the app.
  answered_early_ = false;
  if (!co_await send_request(body_done)) {
    if (answered_early_ && upstream_ && !stopping()) {
      // The app answered (a 413, a 401) before taking the whole body: its answer goes to the
      // client, then the connection closes (the rest of the body is not read).
      bool keep_alive = false;
      const Relay relayed = co_await relay_response(keep_alive);
      worker_->stats().record_latency(std::chrono::steady_clock::now() - request_start_);
      if (relayed == Relay::retry && !stopping()) co_await respond_error(502, true);
      co_return false;
    }
    const bool timed_out = timed_out_ == Wait::upstream || timed_out_ == Wait::upstream_connect;
    upstream_.reset();
    if (stopping()) co_return false;
    if (timed_out_ != Wait::none && !timed_out) co_return false;  // the client side failed
    co_return co_await respond_error(timed_out_ == Wait::upstream ? 504 : 502, true);
  }
  bool keep_alive = false;
  Relay relayed = co_await relay_response(keep_alive);
  if (relayed == Relay::retry) {
    // A pooled connection the app had closed: nothing was lost, send again on a fresh one.
    if (!co_await send_request(body_done)) {
      upstream_.reset();
      if (stopping() || timed_out_ == Wait::body) co_return false;
      co_return co_await respond_error(timed_out_ == Wait::upstream ? 504 : 502, true);
    }
    relayed = co_await relay_response(keep_alive);
  }
  worker_->stats().record_latency(std::chrono::steady_clock::now() - request_start_);
  if (relayed != Relay::done) {
    if (relayed == Relay::retry && !stopping()) co_await respond_error(502, true);
    co_return false;
  }
  if (upgrade) {
    if (response_parser_.head().status == 101) {
      co_await tunnel();
      co_return false;
    }
  }
  co_return keep_alive && head.keep_alive && !upgrade;
}

template <class Stream>
awaitable<bool> Http1Session<Stream>::connect_upstream() {
  upstream_ = worker_->pooled_upstream();
  if (upstream_) co_return true;
  upstream_ = worker_->new_upstream();
  wait_for(Wait::upstream_connect, config_->limits.upstream_connect_timeout_ms);
  const bool connected = co_await worker_->connect(*upstream_);
  if (connected) co_return true;
  if (timed_out_ == Wait::none) timed_out_ = Wait::upstream_connect;  // 502 either way
  co_return false;
}

// Sends the head and the buffered body prefix; streams the rest of the body when there is
// more. A pooled connection that turns out closed is replaced once when nothing is lost.
template <class Stream>
awaitable<bool> Http1Session<Stream>::send_request(bool body_done) {
  const RequestHead& head = parser_.head();
  out_.clear();
  build_upstream_request(head, ForwardInfo{client_ip_, request_id_, worker_->sealed().upstream_authority, tls_}, out_);
  const bool chunked = head.body == BodyKind::chunked;
  std::string_view suffix;
  if (chunked) {
    if (!body_.empty()) {
      char hdr[20];
      out_.append(hdr, format_chunk_header(body_.size(), hdr));
      suffix = body_done ? "\r\n0\r\n\r\n" : "\r\n";
    } else if (body_done) {
      suffix = "0\r\n\r\n";
    }
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!co_await connect_upstream()) co_return false;
    wait_for(Wait::upstream, config_->limits.upstream_timeout_ms);
    const bool written = co_await write_to_app(*upstream_, out_, body_, suffix);
    if (written) break;
    const bool retry = upstream_->reused && body_done && timed_out_ == Wait::none && !stopping();
    if (!retry && !body_done && timed_out_ == Wait::none && !stopping()) {
      // The app may have answered and closed before taking the body: look for its answer.
      answered_early_ = true;
      co_return false;
    }
    upstream_.reset();
    if (!retry || attempt == 1) {
      ProxyStats::add(worker_->stats().upstream_connect_errors);
      co_return false;
    }
  }
  if (!body_done) co_return co_await forward_body();
  co_return true;
}

template <class Stream>
awaitable<bool> Http1Session<Stream>::forward_body() {
  const bool chunked = parser_.head().body == BodyKind::chunked;
  for (;;) {
    body_.clear();
    Event event = Event::need_more;
    wait_for(Wait::body, config_->limits.idle_timeout_ms);
    const Read read = co_await parse_more(&body_, 1, event);
    if (read != Read::event) {
      timed_out_ = Wait::body;  // the client side failed: no error page, just close
      co_return false;
    }
    if (event == Event::error) {
      co_await refuse(parser_.error(), parser_.error_detail());
      timed_out_ = Wait::body;
      co_return false;
    }
    const bool last = event == Event::message_complete;
    wait_for(Wait::upstream, config_->limits.upstream_timeout_ms);
    bool ok = true;
    if (chunked) {
      char hdr[20];
      const std::size_t n = body_.empty() ? 0 : format_chunk_header(body_.size(), hdr);
      const std::string_view suffix = body_.empty() ? (last ? "0\r\n\r\n" : "") : (last ? "\r\n0\r\n\r\n" : "\r\n");
      ok = co_await write_to_app(*upstream_, std::string_view(hdr, n), body_, suffix);
    } else if (!body_.empty()) {
      ok = co_await write_to_app(*upstream_, body_);
    }
    if (!ok) {
      // The app may have answered and closed without reading: look for its answer.
      answered_early_ = timed_out_ == Wait::none && !stopping();
      co_return false;
    }
    if (last) co_return true;
  }
}

// Reads the app's response and relays it; `keep_alive` says whether the client connection
// may serve another request.
template <class Stream>
awaitable<typename Http1Session<Stream>::Relay> Http1Session<Stream>::relay_response(bool& keep_alive) {
  const RequestHead& head = parser_.head();
  if (!ubuf_) ubuf_.reset(new char[kBufferSize]);
  upos_ = uend_ = 0;
  response_parser_.start(head.is_head);
  bool head_sent = false;
  bool any_bytes = false;
  ResponseFraming framing;
  wait_for(Wait::upstream, config_->limits.upstream_timeout_ms);
  for (;;) {
    Http1ResponseParser::Result r;
    if (upos_ < uend_) {
      rbody_.clear();
      r = response_parser_.feed(std::string_view(ubuf_.get() + upos_, uend_ - upos_), &rbody_);
      upos_ += r.consumed;
    } else {
      error_code ec;
      const std::size_t n = co_await upstream_->socket.async_read_some(
          asio::buffer(ubuf_.get(), kBufferSize), asio::redirect_error(use_awaitable, ec));
      if (!ec && n > 0) {
        upos_ = 0;
        uend_ = n;
        any_bytes = true;
        continue;
      }
      if (!any_bytes && upstream_->reused && !parser_.in_body() && timed_out_ == Wait::none &&
          !stopping() && (ec == asio::error::eof || ec == asio::error::connection_reset)) {
        upstream_.reset();
        co_return Relay::retry;
      }
      if (timed_out_ == Wait::upstream || stopping() || ec != asio::error::eof) {
        if (timed_out_ == Wait::upstream) ProxyStats::add(worker_->stats().upstream_timeouts);
        upstream_.reset();
        if (head_sent || stopping()) co_return Relay::failed;
        co_await respond_error(timed_out_ == Wait::upstream ? 504 : 502, true);
        co_return Relay::failed;
      }
      rbody_.clear();
      r = response_parser_.finish(&rbody_);
    }
    if (r.event == Http1ResponseParser::Event::error) {
      upstream_.reset();
      if (head_sent) co_return Relay::failed;
      worker_->log().warn("cnaf", "bad response from the app: " + std::string(response_parser_.error_detail()));
      co_await respond_error(502, true);
      co_return Relay::failed;
    }
    out_.clear();
    if (!head_sent && response_parser_.head_complete()) {
      const ResponseHead& rh = response_parser_.head();
      if (rh.status == 101 && !head.upgrade) {
        upstream_.reset();
        co_await respond_error(502, true);
        co_return Relay::failed;
      }
      ResponseContext ctx{request_id_, head.minor, head.keep_alive,
                          drain_requested_ || worker_->draining() || parser_.in_body()};
      framing = build_downstream_response(rh, ctx, out_);
      worker_->stats().count_status(rh.status);
      head_sent = true;
    }
    const bool done = r.event != Http1ResponseParser::Event::need_more;
    std::string_view suffix;
    if (framing.framing == DownstreamFraming::chunked) {
      if (!rbody_.empty()) {
        char hdr[20];
        out_.append(hdr, format_chunk_header(rbody_.size(), hdr));
        suffix = done ? "\r\n0\r\n\r\n" : "\r\n";
      } else if (done) {
        suffix = "0\r\n\r\n";
      }
    }
    if (!out_.empty() || !rbody_.empty() || !suffix.empty()) {
      wait_for(Wait::client_write, config_->limits.idle_timeout_ms);
      if (!co_await write_client(out_, rbody_, suffix)) {
        upstream_.reset();
        co_return Relay::failed;
      }
      wait_for(Wait::upstream, config_->limits.upstream_timeout_ms);
    }
    if (done) {
      const bool reusable = r.event == Http1ResponseParser::Event::message_complete &&
                            response_parser_.head().keep_alive && upos_ == uend_ &&
                            response_parser_.head().status != 101;
      if (reusable) {
        worker_->pool().put(std::move(upstream_));
      } else if (response_parser_.head().status != 101) {
        upstream_.reset();
      }
      keep_alive = framing.keep_alive;
      co_return Relay::done;
    }
  }
}

template <class Stream>
awaitable<void> Http1Session<Stream>::pump_client_to_upstream() {
  for (;;) {
    if (rpos_ < rend_) {
      const std::size_t n = rend_ - rpos_;
      set_deadline(std::chrono::milliseconds(config_->limits.idle_timeout_ms));
      const bool written = co_await write_to_app(*upstream_, std::string_view(rbuf_.get() + rpos_, n));
      if (!written) break;
      rpos_ = rend_ = 0;
    }
    if (!co_await read_client()) break;
    set_deadline(std::chrono::milliseconds(config_->limits.idle_timeout_ms));
  }
  close_all();
}

// After 101: bytes flow both ways untouched until either side closes or goes idle.
template <class Stream>
awaitable<void> Http1Session<Stream>::tunnel() {
  wait_for(Wait::tunnel, config_->limits.idle_timeout_ms);
  asio::co_spawn(worker_->io(), [self = this->shared_from_this()] { return self->pump_client_to_upstream(); },
                 asio::detached);
  for (;;) {
    if (upos_ < uend_) {
      set_deadline(std::chrono::milliseconds(config_->limits.idle_timeout_ms));
      if (!co_await write_client(std::string_view(ubuf_.get() + upos_, uend_ - upos_))) break;
      upos_ = uend_ = 0;
    }
    error_code ec;
    const std::size_t n = co_await upstream_->socket.async_read_some(
        asio::buffer(ubuf_.get(), kBufferSize), asio::redirect_error(use_awaitable, ec));
    if (ec || n == 0) break;
    upos_ = 0;
    uend_ = n;
    set_deadline(std::chrono::milliseconds(config_->limits.idle_timeout_ms));
  }
  close_all();
}

template class Http1Session<TcpStream>;
template class Http1Session<TlsStream>;

}  // namespace defender::cnaf

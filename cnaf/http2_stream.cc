#include "cnaf/http2_stream.h"

#include <nghttp2/nghttp2.h>

#include <array>
#include <charconv>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "cnaf/block_page.h"
#include "cnaf/header_rewrite.h"
#include "cnaf/request_events.h"
#include "policy/http_token.h"

namespace defender::cnaf {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

namespace {

// A request target goes into an HTTP/1.1 request line: no controls, no spaces.
bool is_clean_target(std::string_view t) {
  if (t.empty() || (t[0] != '/' && t != "*")) return false;
  for (const char c : t) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

nghttp2_nv make_nv(std::string_view name, std::string_view value) {
  nghttp2_nv nv;
  nv.name = reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data()));
  nv.namelen = name.size();
  nv.value = reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data()));
  nv.valuelen = value.size();
  nv.flags = NGHTTP2_NV_FLAG_NONE;
  return nv;
}

ssize_t read_response_callback(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length,
                               std::uint32_t* data_flags, nghttp2_data_source* source, void*) {
  return static_cast<Http2Stream*>(source->ptr)->read_response(buf, length, data_flags);
}

}  // namespace

Http2Stream::Http2Stream(std::shared_ptr<Http2Link> link, std::shared_ptr<Worker> worker, std::int32_t id,
                         std::string_view client_ip, bool tls)
    : link_(std::move(link)),
      worker_(std::move(worker)),
      config_(worker_->config()),
      id_(id),
      client_ip_(client_ip),
      tls_(tls),
      signal_(worker_->io(), asio::steady_timer::time_point::max()) {
  worker_->link(*this);
  head_.major = 2;
  head_.minor = 0;
  wait_for(Wait::head, config_->limits.header_timeout_ms);
}

void Http2Stream::wait_for(Wait what, std::uint32_t ms) {
  wait_ = what;
  set_deadline(std::chrono::milliseconds(ms));
}

void Http2Stream::wake() { signal_.cancel(); }

awaitable<void> Http2Stream::wait_signal() {
  signal_.expires_at(asio::steady_timer::time_point::max());
  error_code ec;
  co_await signal_.async_wait(asio::redirect_error(use_awaitable, ec));
}

RequestIdentity Http2Stream::identity() const {
  return RequestIdentity{request_id_, client_ip_, head_.method(), head_.target()};
}

// --- what the connection feeds in ---------------------------------------------------------

void Http2Stream::on_header(std::string_view name, std::string_view value) {
  if (head_error_ != ProxyError::none) return;
  const policy::CnafLimits& limits = config_->limits;
  head_bytes_ += name.size() + value.size() + 4;
  if (head_bytes_ > limits.max_header_bytes) {
    head_error_ = ProxyError::header_too_large;
    head_error_detail_ = "request head over max_header_bytes";
    return;
  }
  if (!name.empty() && name[0] == ':') {
    if (name == ":method") {
      head_.set_method(value);
    } else if (name == ":path") {
      head_.set_target(value);
    } else if (name == ":authority") {
      authority_.assign(value);
    } else if (name != ":scheme") {
      head_error_ = ProxyError::bad_request;
      head_error_detail_ = "unsupported pseudo-header";
    }
    return;
  }
  if (head_.header_count() >= limits.max_header_count) {
    head_error_ = ProxyError::header_too_large;
    head_error_detail_ = "more headers than max_header_count";
    return;
  }
  if (name == "host") has_host_ = true;
  if (name == "content-length") {
    std::uint64_t n = 0;
    const auto r = std::from_chars(value.data(), value.data() + value.size(), n);
    if (r.ec != std::errc() || r.ptr != value.data() + value.size() || value.empty() ||
        (has_length_ && n != head_.content_length)) {
      head_error_ = ProxyError::smuggling;
      head_error_detail_ = "bad or conflicting content-length";
      return;
    }
    head_.content_length = n;
    has_length_ = true;
  }
  head_.add_header(name, value);
}

void Http2Stream::on_head_complete(bool end_stream) {
  remote_done_ = end_stream;
  clear_deadline();
  wait_ = Wait::none;
  if (head_error_ == ProxyError::none) {
    const std::string_view method = head_.method();
    if (method == "CONNECT") {
      head_error_ = ProxyError::method_not_allowed;
      head_error_detail_ = "CONNECT is not proxied";
    } else if (!policy::is_token(method)) {
      head_error_ = ProxyError::bad_request;
      head_error_detail_ = "bad :method";
    } else if (!is_clean_target(head_.target())) {
      head_error_ = ProxyError::bad_request;
      head_error_detail_ = "bad :path";
    }
  }
  if (!has_host_ && !authority_.empty()) head_.add_header("host", authority_);
  head_.is_head = head_.method() == "HEAD";
  head_.body = end_stream ? BodyKind::none : (has_length_ ? BodyKind::length : BodyKind::stream);
  if (started_) return;
  started_ = true;
  // Started from a posted handler: the coroutine calls into nghttp2, never from its callbacks.
  asio::post(worker_->io(), [self = shared_from_this()] {
    asio::co_spawn(self->worker_->io(), [self] { return self->run(); }, asio::detached);
  });
}

void Http2Stream::adopt_upgrade_request(const RequestHead& head) {
  head_.set_method(head.method());
  head_.set_target(head.target());
  for (std::size_t i = 0; i < head.header_count(); ++i) {
    if (is_hop_by_hop(head.name(i))) continue;
    head_.add_header(head.name(i), head.value(i));
    if (iequals(head.name(i), "host")) has_host_ = true;
  }
  head_.major = head.major;
  head_.minor = head.minor;
  on_head_complete(true);
}

void Http2Stream::on_data(const std::uint8_t* data, std::size_t len) {
  body_received_ += len;
  if (body_received_ > config_->limits.max_body_bytes && !too_large_) {
    too_large_ = true;
    discarding_ = true;
    if (response_sent_) reset(NGHTTP2_NO_ERROR);  // lingering, and the client sends too much
    wake();
  }
  if (discarding_ || closed_) {
    consume(len);
    return;
  }
  in_.append(reinterpret_cast<const char*>(data), len);
  wake();
}

void Http2Stream::on_end_stream() {
  remote_done_ = true;
  wake();
}

void Http2Stream::on_closed(std::uint32_t) {
  closed_ = true;
  discarding_ = true;
  if (upstream_ && !resp_eof_) {
    error_code ignored;
    upstream_->socket.cancel(ignored);
  }
  wake();
}

void Http2Stream::on_response_sent() {
  response_sent_ = true;
  if (!remote_done_ && !closed_) {
    // The answer is complete but the client is still sending. RFC 9113 8.1 allows stopping it
    // with RST_STREAM(NO_ERROR), but some clients (curl 7.88) then report a failed transfer:
    // what it sends is read and dropped instead (its window reopened), within max_body_bytes
    // and idle_timeout_ms.
    discarding_ = true;
    if (too_large_) {
      reset(NGHTTP2_NO_ERROR);
    } else {
      consume(in_.size());
      in_.clear();
      wait_for(Wait::linger, config_->limits.idle_timeout_ms);
    }
  }
  wake();
}

long Http2Stream::read_response(std::uint8_t* buf, std::size_t length, std::uint32_t* data_flags) {
  const std::size_t have = resp_.size() - resp_pos_;
  if (have == 0) {
    if (resp_eof_) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
      return 0;
    }
    return NGHTTP2_ERR_DEFERRED;
  }
  const std::size_t n = std::min(have, length);
  std::memcpy(buf, resp_.data() + resp_pos_, n);
  resp_pos_ += n;
  ProxyStats::add(worker_->stats().bytes_to_clients, n);
  if (resp_pos_ == resp_.size()) {
    resp_.clear();
    resp_pos_ = 0;
    if (resp_eof_) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    wake();  // the exchange may read more from the app
  }
  return static_cast<long>(n);
}

void Http2Stream::on_deadline() {
  timed_out_ = wait_;
  error_code ignored;
  switch (wait_) {
    case Wait::upstream_connect:
    case Wait::upstream:
      if (upstream_) upstream_->socket.cancel(ignored);
      break;
    case Wait::head:  // HEADERS without their end: the stream is given up
      reset(NGHTTP2_CANCEL);
      break;
    case Wait::linger:  // the answer was sent; the client's body never ends
      reset(NGHTTP2_NO_ERROR);
      break;
    default:
      wake();
      break;
  }
}

void Http2Stream::on_stop() {
  stopped_ = true;
  if (upstream_) {
    error_code ignored;
    upstream_->socket.close(ignored);
  }
  wake();
}

// --- answering the client -----------------------------------------------------------------

void Http2Stream::consume(std::size_t n) {
  if (n > 0 && !closed_) nghttp2_session_consume(link_->session(), id_, n);
}

void Http2Stream::reset(std::uint32_t error_code) {
  discarding_ = true;
  if (closed_) return;
  nghttp2_submit_rst_stream(link_->session(), NGHTTP2_FLAG_NONE, id_, error_code);
  link_->flush();
}

void Http2Stream::submit_response_head(int status, const RequestHead* fields, bool chunked_source,
                                       bool with_body) {
  // Names are lower-cased into out_, reserved up front so the pointers stay valid.
  std::size_t bytes = 3 + request_id_.size();
  if (fields != nullptr) {
    for (std::size_t i = 0; i < fields->header_count(); ++i) bytes += fields->name(i).size();
  }
  out_.clear();
  out_.reserve(bytes);
  std::array<char, 4> code{};
  std::to_chars(code.data(), code.data() + 3, status);
  std::vector<nghttp2_nv> nva;
  nva.reserve(2 + (fields != nullptr ? fields->header_count() : 0));
  nva.push_back(make_nv(":status", std::string_view(code.data(), 3)));
  if (fields != nullptr) {
    bool check_connection = false;
    for (std::size_t i = 0; i < fields->header_count(); ++i) {
      check_connection = check_connection || iequals(fields->name(i), "connection");
    }
    for (std::size_t i = 0; i < fields->header_count(); ++i) {
      const std::string_view name = fields->name(i);
      if (is_hop_by_hop(name) || iequals(name, "x-request-id")) continue;
      if (chunked_source && iequals(name, "content-length")) continue;
      if (check_connection) {
        bool named = false;
        for (std::size_t j = 0; j < fields->header_count() && !named; ++j) {
          named = iequals(fields->name(j), "connection") && has_token(fields->value(j), name);
        }
        if (named) continue;
      }
      const std::size_t at = out_.size();
      for (const char c : name) out_.push_back(lower(c));
      nva.push_back(make_nv(std::string_view(out_).substr(at, name.size()), fields->value(i)));
    }
  }
  nva.push_back(make_nv("x-request-id", request_id_));
  if (with_body) {
    nghttp2_data_provider provider;
    provider.source.ptr = this;
    provider.read_callback = read_response_callback;
    nghttp2_submit_response(link_->session(), id_, nva.data(), nva.size(), &provider);
  } else {
    nghttp2_submit_response(link_->session(), id_, nva.data(), nva.size(), nullptr);
  }
  response_started_ = true;
  worker_->stats().count_status(status);
}

void Http2Stream::respond_error(int status) {
  discarding_ = true;
  if (!usable() || response_started_) {
    reset(NGHTTP2_INTERNAL_ERROR);
    return;
  }
  resp_.clear();
  resp_pos_ = 0;
  build_error_body(status, request_id_, resp_);
  resp_eof_ = true;
  RequestHead fields;
  fields.add_header("content-type", "text/html; charset=utf-8");
  fields.add_header("content-length", std::to_string(resp_.size()));
  fields.add_header("cache-control", "no-store");
  submit_response_head(status, &fields, false, true);
  // The client may still be sending: what it sends now is dropped (and its window reopened).
  consume(in_.size());
  in_.clear();
  link_->flush();
}

void Http2Stream::refuse(ProxyError error, std::string_view detail) {
  ProxyStats::add(worker_->stats().protocol_errors);
  emit_protocol_event(worker_->events(), config_->protocol_mode, error, detail, identity());
  if (worker_->log().enabled(core::LogLevel::debug)) {
    worker_->log().debug("cnaf", client_ip_ + ": h2 stream " + std::to_string(id_) + ": " +
                                     std::string(reason_of(error)) + ": " + std::string(detail));
  }
  respond_error(status_of(error));
}

// --- the exchange ---------------------------------------------------------------------------

awaitable<void> Http2Stream::run() {
  auto self = shared_from_this();
  config_ = worker_->config();
  request_start_ = std::chrono::steady_clock::now();
  ProxyStats::add(worker_->stats().requests);
  ProxyStats::add(worker_->stats().h2_streams);
  if (const auto id = head_.find("x-request-id"); id && is_acceptable_request_id(*id)) {
    request_id_.assign(*id);
  } else {
    worker_->ids().next(request_id_);
  }
  if (closed_ || stopped_) co_return;
  const policy::CnafLimits& limits = config_->limits;
  if (head_error_ == ProxyError::none && has_length_ && head_.content_length > limits.max_body_bytes) {
    head_error_ = ProxyError::body_too_large;
    head_error_detail_ = "content-length over max_body_bytes";
  }
  if (head_error_ != ProxyError::none) {
    refuse(head_error_, head_error_detail_);
    co_return;
  }

  // The body prefix the inspector sees.
  const std::size_t goal = config_->inspect_body ? static_cast<std::size_t>(limits.inspect_body_bytes) : 0;
  if (goal > 0 && !co_await take_body_prefix(goal)) {
    finish_early();
    co_return;
  }
  {
    const std::size_t shown = std::min<std::size_t>(body_.size(), limits.inspect_body_bytes);
    const RequestView view = make_request_view(head_, identity(), std::string_view(body_).substr(0, shown),
                                               !remote_done_ || !in_.empty() || shown < body_.size(), tls_,
                                               header_views_);
    const Verdict verdict = config_->inspector->inspect(view);
    if (!verdict.findings.empty()) emit_findings(worker_->events(), verdict, identity());
    if (!verdict.allowed()) {
      ProxyStats::add(worker_->stats().blocked);
      respond_error(verdict.status > 0 ? verdict.status : config_->block_status);
      worker_->stats().record_latency(std::chrono::steady_clock::now() - request_start_);
      co_return;
    }
  }

  Relay relayed = Relay::failed;
  if (co_await send_request() || (answered_early_ && upstream_ && usable())) {
    // (answered early: the app's answer goes to the client, the rest of the body is dropped)
    if (answered_early_) {
      discarding_ = true;
      consume(in_.size());
      in_.clear();
    }
    relayed = co_await relay_response();
  }
  if (relayed == Relay::retry && co_await send_request()) relayed = co_await relay_response();
  if (wait_ != Wait::linger) {
    clear_deadline();
    wait_ = Wait::none;
  }
  if (relayed != Relay::done) {
    upstream_.reset();
    finish_early();
  }
  worker_->stats().record_latency(std::chrono::steady_clock::now() - request_start_);
}

// After a failed exchange: the reason decides the answer.
void Http2Stream::finish_early() {
  if (!usable()) return;
  if (too_large_) {
    if (response_started_) {
      reset(NGHTTP2_CANCEL);
    } else {
      refuse(ProxyError::body_too_large, "body over max_body_bytes");
    }
    return;
  }
  switch (timed_out_) {
    case Wait::upstream:
      ProxyStats::add(worker_->stats().upstream_timeouts);
      respond_error(504);
      return;
    case Wait::upstream_connect:
      respond_error(502);
      return;
    case Wait::body:
      respond_error(408);
      return;
    case Wait::client:
      reset(NGHTTP2_CANCEL);
      return;
    default:
      respond_error(upstream_failed_ ? 502 : 500);
      return;
  }
}

awaitable<bool> Http2Stream::take_body_prefix(std::size_t goal) {
  wait_for(Wait::body, config_->limits.idle_timeout_ms);
  for (;;) {
    if (!in_.empty()) {
      const std::size_t n = in_.size();
      body_.append(in_);
      in_.clear();
      consume(n);
      link_->flush();
      wait_for(Wait::body, config_->limits.idle_timeout_ms);
    }
    if (too_large_ || !usable() || timed_out_ != Wait::none) co_return false;
    if (remote_done_ || body_.size() >= goal) co_return true;
    co_await wait_signal();
  }
}

awaitable<bool> Http2Stream::connect_upstream() {
  upstream_ = worker_->pooled_upstream();
  if (upstream_) co_return true;
  upstream_ = worker_->new_upstream();
  wait_for(Wait::upstream_connect, config_->limits.upstream_connect_timeout_ms);
  const bool connected = co_await worker_->connect(*upstream_);
  if (connected) co_return true;
  if (timed_out_ == Wait::none) timed_out_ = Wait::upstream_connect;  // 502 either way
  upstream_.reset();
  co_return false;
}

// The head and the body prefix, then the rest of the body as it comes. A pooled connection
// the app had closed is replaced once when the whole request is still in hand.
awaitable<bool> Http2Stream::send_request() {
  out_.clear();
  build_upstream_request(head_, ForwardInfo{client_ip_, request_id_, worker_->sealed().upstream_authority, tls_},
                         out_);
  const bool chunked = head_.body == BodyKind::stream;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!co_await connect_upstream()) co_return false;
    const bool all = remote_done_ && in_.empty();
    char hdr[20];
    std::size_t hdr_len = 0;
    std::string_view suffix;
    if (chunked) {
      if (!body_.empty()) {
        hdr_len = format_chunk_header(body_.size(), hdr);
        suffix = all ? "\r\n0\r\n\r\n" : "\r\n";
      } else if (all) {
        suffix = "0\r\n\r\n";
      }
    }
    wait_for(Wait::upstream, config_->limits.upstream_timeout_ms);
    const bool written = co_await write_to_app(*upstream_, out_, std::string_view(hdr, hdr_len), body_, suffix);
    if (written) {
      replayable_ = all;
      if (all) co_return true;
      body_.clear();
      co_return co_await forward_body();
    }
    const bool retry = upstream_->reused && all && timed_out_ == Wait::none && usable();
    if (!retry && !all && timed_out_ == Wait::none && usable()) {
      // The app may have answered and closed before taking the body: look for its answer.
      answered_early_ = true;
      upstream_failed_ = true;
      co_return false;
    }
    upstream_.reset();
    if (!retry || attempt == 1) {
      ProxyStats::add(worker_->stats().upstream_connect_errors);
      upstream_failed_ = true;
      co_return false;
    }
  }
  co_return false;
}

awaitable<bool> Http2Stream::forward_body() {
  const bool chunked = head_.body == BodyKind::stream;
  for (;;) {
    if (too_large_ || !usable()) co_return false;
    if (!in_.empty()) {
      body_.swap(in_);
      in_.clear();
      wait_for(Wait::upstream, config_->limits.upstream_timeout_ms);
      const bool last = remote_done_ && in_.empty();
      bool ok;
      if (chunked) {
        char hdr[20];
        const std::size_t n = format_chunk_header(body_.size(), hdr);
        ok = co_await write_to_app(*upstream_, std::string_view(hdr, n), body_, last ? "\r\n0\r\n\r\n" : "\r\n");
      } else {
        ok = co_await write_to_app(*upstream_, body_);
      }
      if (!ok) {
        // The app may have answered and closed without reading: look for its answer.
        answered_early_ = timed_out_ == Wait::none && usable();
        upstream_failed_ = true;
        co_return false;
      }
      consume(body_.size());
      link_->flush();
      body_.clear();
      if (last) co_return true;
      continue;
    }
    if (remote_done_) {
      if (!chunked) co_return true;
      wait_for(Wait::upstream, config_->limits.upstream_timeout_ms);
      const bool written = co_await write_to_app(*upstream_, "0\r\n\r\n");
      if (written) co_return true;
      upstream_failed_ = true;
      co_return false;
    }
    if (timed_out_ != Wait::none) co_return false;
    wait_for(Wait::body, config_->limits.idle_timeout_ms);
    co_await wait_signal();
  }
}

// Waits until nghttp2 has taken every response byte buffered so far.
awaitable<bool> Http2Stream::wait_response_drained() {
  while (resp_pos_ < resp_.size()) {
    if (!usable() || timed_out_ != Wait::none) co_return false;
    wait_for(Wait::client, config_->limits.idle_timeout_ms);
    co_await wait_signal();
  }
  co_return usable();
}

awaitable<Http2Stream::Relay> Http2Stream::relay_response() {
  if (!ubuf_) ubuf_.reset(new char[kBufferSize]);
  std::size_t upos = 0, uend = 0;
  response_parser_.start(head_.is_head);
  bool any_bytes = false;
  bool chunked_source = false;
  wait_for(Wait::upstream, config_->limits.upstream_timeout_ms);
  for (;;) {
    Http1ResponseParser::Result r;
    if (upos < uend) {
      r = response_parser_.feed(std::string_view(ubuf_.get() + upos, uend - upos), &resp_);
      upos += r.consumed;
    } else {
      error_code ec;
      const std::size_t n = co_await upstream_->socket.async_read_some(asio::buffer(ubuf_.get(), kBufferSize),
                                                                       asio::redirect_error(use_awaitable, ec));
      if (!ec && n > 0) {
        upos = 0;
        uend = n;
        any_bytes = true;
        continue;
      }
      if (!usable()) co_return Relay::failed;
      if (!any_bytes && upstream_->reused && replayable_ && timed_out_ == Wait::none &&
          (ec == asio::error::eof || ec == asio::error::connection_reset)) {
        upstream_.reset();
        co_return Relay::retry;
      }
      if (timed_out_ == Wait::upstream || ec != asio::error::eof) {
        upstream_failed_ = true;
        co_return Relay::failed;
      }
      r = response_parser_.finish(&resp_);
    }
    if (r.event == Http1ResponseParser::Event::error) {
      worker_->log().warn("cnaf", "bad response from the app: " + std::string(response_parser_.error_detail()));
      upstream_failed_ = true;
      co_return Relay::failed;
    }
    const bool done = r.event != Http1ResponseParser::Event::need_more;
    if (!usable()) co_return Relay::failed;
    if (!response_started_ && response_parser_.head_complete()) {
      const ResponseHead& rh = response_parser_.head();
      if (rh.status == 101) {
        upstream_failed_ = true;
        co_return Relay::failed;
      }
      chunked_source = rh.body == ResponseBody::chunked || rh.body == ResponseBody::until_eof;
      resp_eof_ = done;
      submit_response_head(rh.status, &rh.fields, chunked_source, !(done && resp_.size() == resp_pos_));
      link_->flush();
    } else if (response_started_ && (resp_.size() > resp_pos_ || done)) {
      resp_eof_ = done;
      nghttp2_session_resume_data(link_->session(), id_);
      link_->flush();
    }
    if (done) {
      const bool reusable = r.event == Http1ResponseParser::Event::message_complete &&
                            response_parser_.head().keep_alive && upos == uend;
      if (reusable) {
        worker_->pool().put(std::move(upstream_));
      } else {
        upstream_.reset();
      }
      co_await wait_response_drained();
      co_return Relay::done;
    }
    if (resp_.size() - resp_pos_ >= kBufferSize && !co_await wait_response_drained()) co_return Relay::failed;
    if (response_started_) wait_for(Wait::upstream, config_->limits.upstream_timeout_ms);
  }
}

}  // namespace defender::cnaf

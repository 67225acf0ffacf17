#include "console/client/console_client.h"

#include <utility>
#include <openssl/ssl.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <nlohmann/json.hpp>

#include "console/client/event_spool.h"
#include "console/client/install_bundle.h"

namespace defender::console {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using Stream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

struct ConsoleClient::Impl : std::enable_shared_from_this<ConsoleClient::Impl>, core::EventSink {
  Options options;
  ApplyPolicy apply_policy;
  core::Logger log;
  InstallBundle bundle;
  WsAddress address;
  asio::strand<asio::io_context::executor_type> strand;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  asio::steady_timer wake;  // sender and backoff wake-up

  // Shared with emit() (any thread).
  mutable std::mutex mutex;
  std::deque<std::string> queue;
  std::atomic<bool> wake_posted{false};
  std::atomic<std::uint64_t> overflow{0};  // dropped before reaching the strand
  std::atomic<std::uint64_t> spool_dropped{0};  // mirrors spool.dropped() for stats()

  // Strand only.
  EventSpool spool;
  std::deque<std::string> backlog;   // taken from the spool or the queue, next to send
  std::deque<std::string> inflight;  // sent, waiting for the ack
  std::int64_t inflight_seq = 0;
  std::int64_t seq = 0;
  std::deque<std::string> control_out;  // policy statuses to send
  bool connected = false;
  bool stopped = false;
  bool retry_wait = false;
  std::uint64_t reported_dropped = 0;
  std::shared_ptr<Stream> stream;

  mutable std::mutex stats_mutex;
  Stats stats;

  Impl(asio::io_context& io, Options o, ApplyPolicy apply, const core::Logger& l)
      : options(std::move(o)),
        apply_policy(std::move(apply)),
        log(l),
        strand(asio::make_strand(io)),
        wake(strand),
        spool(options.data_folder + "/console_spool.jsonl", options.max_spool_bytes) {
    std::string error;
    auto parsed = parse_install_bundle(options.install_bundle, error);
    if (!parsed) throw std::invalid_argument(error);
    bundle = std::move(*parsed);
    if (options.ws_address.empty()) options.ws_address = bundle.ws_address;
    auto ws = parse_ws_address(options.ws_address, error);
    if (!ws) throw std::invalid_argument(error);
    address = std::move(*ws);
    if (options.instance.empty()) {
      char host[256] = {0};
      options.instance = ::gethostname(host, sizeof host - 1) == 0 ? host : "defender";
    }
    boost::system::error_code ec;
    tls.add_certificate_authority(asio::buffer(bundle.ca_cert_pem), ec);
    if (ec) throw std::invalid_argument("INSTALL_BUNDLE: unusable CA certificate: " + ec.message());
    tls.set_verify_mode(asio::ssl::verify_peer);
  }

  // EventSink: any thread, never blocks on I/O.
  void emit(core::Event event) noexcept override {
    try {
      if (event.time_ms == 0) event.time_ms = core::now_unix_ms();  // as the local EventLog does
      std::string line = core::format_event_line(event, options.app_id, options.max_field_bytes);
      while (!line.empty() && line.back() == '\n') line.pop_back();
      {
        std::lock_guard lock(mutex);
        if (queue.size() >= options.queue_capacity) {
          ++overflow;
          return;
        }
        queue.push_back(std::move(line));
      }
      if (!wake_posted.exchange(true)) {
        asio::post(strand, [self = shared_from_this()] { self->on_events(); });
      }
    } catch (...) {
      ++overflow;
    }
  }

  void take_queue(std::deque<std::string>& out) {
    wake_posted = false;
    std::lock_guard lock(mutex);
    for (auto& line : queue) out.push_back(std::move(line));
    queue.clear();
  }

  void on_events() {
    if (connected) {
      wake.cancel();
    } else {
      spill();
    }
  }

  // Everything unsent goes to the disk buffer.
  void spill() {
    std::deque<std::string> lines;
    for (auto& line : inflight) lines.push_back(std::move(line));
    inflight.clear();
    for (auto& line : backlog) lines.push_back(std::move(line));
    backlog.clear();
    take_queue(lines);
    const std::size_t n = lines.size();
    const std::size_t lost = spool.append(lines);
    spool_dropped = spool.dropped();
    std::lock_guard lock(stats_mutex);
    stats.events_spooled += n - lost;
  }

  // Strand: no more connections; what is unsent goes to the spool.
  void shut() {
    if (stopped) return;
    stopped = true;
    connected = false;
    wake.cancel();
    if (stream) {
      boost::system::error_code ec;
      beast::get_lowest_layer(*stream).socket().close(ec);
    }
    spill();
  }

  std::uint64_t dropped_total() const { return spool.dropped() + overflow.load(); }

  void set_connected(bool value) {
    connected = value;
    std::lock_guard lock(stats_mutex);
    stats.connected = value;
    if (value) ++stats.connects;
  }

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    auto backoff = options.backoff_initial;
    while (!stopped) {
      std::string error;
      const bool registered = co_await session(error);
      set_connected(false);
      spill();
      if (stopped) break;
      if (registered) backoff = options.backoff_initial;
      {
        std::lock_guard lock(stats_mutex);
        stats.last_error = error;
      }
      log.warn("console-client", "console " + options.ws_address + ": " + error + "; retrying in " +
                                     std::to_string(backoff.count()) + " ms");
      wake.expires_after(backoff);
      boost::system::error_code ec;
      co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      // Early wake-ups (events arriving) only spill; the full backoff still applies.
      while (!stopped && std::chrono::steady_clock::now() < wake.expiry()) {
        co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      backoff = std::min(backoff * 2, options.backoff_max);
    }
  }

  // One connection, from connect to its end; true when it got as far as registered.
  asio::awaitable<bool> session(std::string& error) {
    boost::system::error_code ec;
    tcp::resolver resolver(strand);
    const auto endpoints = co_await resolver.async_resolve(
        address.host, address.port, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      error = "resolve " + address.host + ": " + ec.message();
      co_return false;
    }
    stream = std::make_shared<Stream>(strand, tls);
    auto& lowest = beast::get_lowest_layer(*stream);
    lowest.expires_after(options.connect_timeout);
    co_await lowest.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      error = "connect: " + ec.message();
      co_return false;
    }
    SSL* ssl = stream->next_layer().native_handle();
    boost::system::error_code ip_ec;
    asio::ip::make_address(address.host, ip_ec);
    if (ip_ec) SSL_set_tlsext_host_name(ssl, address.host.c_str());
    stream->next_layer().set_verify_callback(asio::ssl::host_name_verification(address.host));
    co_await stream->next_layer().async_handshake(asio::ssl::stream_base::client,
                                                  asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      error = "TLS: " + ec.message();
      co_return false;
    }
    lowest.expires_never();
    websocket::stream_base::timeout timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.handshake_timeout = options.connect_timeout;
    stream->set_option(timeouts);
    stream->read_message_max(options.max_message_bytes);
    co_await stream->async_handshake(address.host + ":" + address.port, address.path,
                                     asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      error = "WebSocket: " + ec.message();
      co_return false;
    }
    stream->text(true);
    json controls = json::parse(options.controls_json, nullptr, false);
    if (!controls.is_object()) controls = json::object();
    const std::string hello = json{{"type", "register"}, {"token", bundle.token},
                                   {"app_id", options.app_id}, {"instance", options.instance},
                                   {"version", options.version}, {"controls", controls}}
                                  .dump();
    co_await stream->async_write(asio::buffer(hello), asio::redirect_error(asio::use_awaitable, ec));
    beast::flat_buffer buffer;
    if (!ec) co_await stream->async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      error = "register: " + ec.message();
      co_return false;
    }
    const json answer = json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
    if (!answer.is_object() || answer.value("type", "") != "registered") {
      error = "refused: " + (answer.is_object() ? answer.value("message", std::string("?")) : std::string("?"));
      co_return true;  // it answered: no reason to hammer it faster than the backoff
    }
    set_connected(true);
    log.info("console-client", "connected to " + options.ws_address);
    spool.take_all(backlog);
    asio::co_spawn(strand, read_loop(stream), asio::detached);
    co_await send_loop(error);
    boost::system::error_code close_ec;
    beast::get_lowest_layer(*stream).socket().close(close_ec);
    stream.reset();
    co_return true;
  }

  asio::awaitable<void> read_loop(std::shared_ptr<Stream> ws) {
    auto self = shared_from_this();
    beast::flat_buffer buffer;
    for (;;) {
      boost::system::error_code ec;
      co_await ws->async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || ws != stream) break;
      handle(beast::buffers_to_string(buffer.data()));
      buffer.consume(buffer.size());
    }
    if (ws == stream) {
      connected = false;
      wake.cancel();
    }
  }

  void handle(const std::string& text) {
    const json message = json::parse(text, nullptr, false);
    if (!message.is_object()) return;
    const std::string type = message.value("type", "");
    if (type == "ack" || type == "retry") {
      if (message.value("seq", std::int64_t{-1}) != inflight_seq || inflight.empty()) return;
      if (type == "ack") {
        std::lock_guard lock(stats_mutex);
        stats.events_sent += inflight.size();
        inflight.clear();
      } else {
        for (auto it = inflight.rbegin(); it != inflight.rend(); ++it) backlog.push_front(std::move(*it));
        inflight.clear();
        retry_wait = true;
      }
      wake.cancel();
    } else if (type == "policy") {
      const std::int64_t version = message.value("version", std::int64_t{0});
      const std::string policy_app = message.value("app_id", "");
      std::string error;
      bool ok = false;
      try {
        ok = apply_policy(message.value("text", ""), &error);
      } catch (const std::exception& e) {
        error = e.what();
      }
      {
        std::lock_guard lock(stats_mutex);
        if (ok) {
          ++stats.policies_applied;
          stats.policy_version = version;
        } else {
          ++stats.policies_refused;
        }
      }
      if (ok) {
        log.info("console-client", "applied policy " + policy_app + " version " + std::to_string(version));
      } else {
        log.warn("console-client", "refused policy " + policy_app + " version " +
                                       std::to_string(version) + ": " + error);
      }
      control_out.push_back(json{{"type", "policy_status"}, {"app_id", policy_app}, {"version", version},
                                 {"ok", ok}, {"error", error}}
                                .dump(-1, ' ', false, json::error_handler_t::replace));
      wake.cancel();
    }
  }

  asio::awaitable<void> send_loop(std::string& error) {
    boost::system::error_code ec;
    auto sent_at = std::chrono::steady_clock::now();
    while (connected && !stopped) {
      if (!control_out.empty()) {
        const std::string message = std::move(control_out.front());
        control_out.pop_front();
        co_await stream->async_write(asio::buffer(message), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        continue;
      }
      if (retry_wait) {
        retry_wait = false;
        wake.expires_after(options.retry_delay);
        co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      take_queue(backlog);
      if (inflight.empty() && (!backlog.empty() || dropped_total() > reported_dropped)) {
        if (dropped_total() > reported_dropped) {
          const std::uint64_t lost = dropped_total() - reported_dropped;
          reported_dropped = dropped_total();
          core::Event event;
          event.type = "system";
          event.action = "info";
          event.message = std::to_string(lost) + " events dropped: the console was unreachable and the buffer full";
          event.set("dropped", static_cast<std::int64_t>(lost));
          std::string line = core::format_event_line(event, options.app_id, options.max_field_bytes);
          while (!line.empty() && line.back() == '\n') line.pop_back();
          backlog.push_back(std::move(line));
          std::lock_guard lock(stats_mutex);
          stats.events_dropped = reported_dropped;
        }
        std::string message = "{\"type\":\"events\",\"seq\":" + std::to_string(++seq) + ",\"events\":[";
        while (!backlog.empty() && inflight.size() < options.batch_max) {
          if (!inflight.empty()) message += ',';
          message += backlog.front();
          inflight.push_back(std::move(backlog.front()));
          backlog.pop_front();
        }
        message += "]}";
        inflight_seq = seq;
        sent_at = std::chrono::steady_clock::now();
        co_await stream->async_write(asio::buffer(message), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        continue;
      }
      if (!inflight.empty() && std::chrono::steady_clock::now() - sent_at >= options.ack_timeout) {
        error = "no acknowledgement within " + std::to_string(options.ack_timeout.count()) + " ms";
        co_return;
      }
      if (inflight.empty()) {
        wake.expires_at(asio::steady_timer::time_point::max());
      } else {
        wake.expires_at(sent_at + options.ack_timeout);
      }
      co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    error = ec ? "connection: " + ec.message() : "connection closed";
  }
};

ConsoleClient::ConsoleClient(asio::io_context& io, Options options, ApplyPolicy apply_policy,
                             const core::Logger& log)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(apply_policy), log)) {}

ConsoleClient::~ConsoleClient() { stop(); }

void ConsoleClient::start() {
  asio::co_spawn(impl_->strand, [impl = impl_] { return impl->run(); }, asio::detached);
}

void ConsoleClient::stop() {
  asio::post(impl_->strand, [impl = impl_] { impl->shut(); });
}

bool ConsoleClient::stop_and_wait(std::chrono::milliseconds timeout) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> spooled = done->get_future();
  asio::post(impl_->strand, [impl = impl_, done] {
    impl->shut();
    done->set_value();
  });
  return spooled.wait_for(timeout) == std::future_status::ready;
}

core::EventSink& ConsoleClient::events() { return *impl_; }

ConsoleClient::Stats ConsoleClient::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  Stats out = impl_->stats;
  out.events_dropped = std::max<std::uint64_t>(out.events_dropped, impl_->spool_dropped.load() + impl_->overflow.load());
  return out;
}

}  // namespace defender::console

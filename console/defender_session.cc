#include "console/defender_session.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>

#include "console/channel_protocol.h"
#include "console/crypto_util.h"
#include "core/events.h"

namespace defender::console {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using json = nlohmann::json;

namespace {

std::string text_field(const json& object, const char* key, std::size_t max = 256) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>().substr(0, max);
}

}  // namespace

DefenderSession::DefenderSession(asio::ip::tcp::socket socket, asio::ssl::context& tls,
                                 ChannelContext& context)
    : ws_(std::move(socket), tls),
      context_(context),
      wake_(ws_.get_executor()),
      deadline_(ws_.get_executor()) {
  boost::system::error_code ec;
  const auto remote = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
  if (!ec) record_.address = remote.address().to_string();
}

void DefenderSession::start() {
  asio::co_spawn(ws_.get_executor(), [self = shared_from_this()] { return self->run(); },
                 asio::detached);
}

void DefenderSession::send(std::string message) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), message = std::move(message)]() mutable {
    if (!self->open_) return;
    if (self->outbox_.size() >= self->context_.options.max_outbox) {
      self->context_.log.warn("console", "defender " + self->record_.instance +
                                             " does not read its messages; closing");
      self->close_now();
      return;
    }
    self->outbox_.push_back(std::move(message));
    self->wake_.cancel();
  });
}

void DefenderSession::close_now() {
  open_ = false;
  wake_.cancel();
  deadline_.cancel();
  boost::system::error_code ec;
  beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  beast::get_lowest_layer(ws_).socket().close(ec);
}

void DefenderSession::save_record() {
  context_.hub.remember(record_);
  context_.writer.save_defender(record_);  // written to the store off the I/O thread
}

bool DefenderSession::handle_register(const std::string& text, std::string& error) {
  const json message = json::parse(text, nullptr, false);
  if (!message.is_object() || text_field(message, "type") != "register") {
    error = "expected a register message";
    return false;
  }
  if (!constant_time_equal(text_field(message, "token", 1024), context_.token)) {
    error = "bad defender token";
    return false;
  }
  record_.app_id = text_field(message, "app_id", 128);
  record_.instance = text_field(message, "instance", 256);
  record_.version = text_field(message, "version", 64);
  if (record_.app_id.empty() || record_.instance.empty()) {
    error = "register needs app_id and instance";
    return false;
  }
  if (const auto it = message.find("controls"); it != message.end() && it->is_object()) {
    record_.controls_json = it->dump(-1, ' ', false, json::error_handler_t::replace);
  }
  const std::int64_t now = core::now_unix_ms();
  record_.first_seen_ms = now;
  record_.last_seen_ms = now;
  return true;
}

void DefenderSession::handle_message(std::string text) {
  // The usual case: a batch of events in the client's canonical form, read from its first
  // bytes. Parsed and stored off the I/O threads; acked once stored (or "retry" at once when
  // the queue is full).
  if (const auto seq = canonical_events_seq(text)) {
    auto ack = [weak = weak_from_this(), seq = *seq] {
      const auto self = weak.lock();
      if (!self) return;
      asio::post(self->ws_.get_executor(), [self, seq] {
        if (!self->open_) return;
        self->outbox_.push_back(json{{"type", "ack"}, {"seq", seq}}.dump());
        self->wake_.cancel();
      });
    };
    if (!context_.writer.try_push_message(text, record_.app_id, record_.instance, std::move(ack))) {
      outbox_.push_back(json{{"type", "retry"}, {"seq", *seq}}.dump());
      wake_.cancel();
    }
    return;
  }
  const json message = json::parse(text, nullptr, false);
  const std::string type = message.is_object() ? text_field(message, "type") : "";
  if (type == "events") {
    const auto events = message.find("events");
    if (events == message.end()) return;
    const std::int64_t seq = message.value("seq", std::int64_t{0});
    std::size_t skipped = 0;
    auto rows = events_from_message(*events, record_.app_id, record_.instance,
                                    core::now_unix_ms(), skipped);
    const bool taken = context_.writer.try_push(rows);
    outbox_.push_back(json{{"type", taken ? "ack" : "retry"}, {"seq", seq}}.dump());
    wake_.cancel();
  } else if (type == "policy_status") {
    record_.policy_version = message.value("version", std::int64_t{0});
    record_.policy_error = message.value("ok", false) ? "" : text_field(message, "error", 4096);
    if (!record_.policy_error.empty()) {
      context_.log.warn("console", "defender " + record_.app_id + "/" + record_.instance +
                                       " refused policy version " +
                                       std::to_string(record_.policy_version) + ": " +
                                       record_.policy_error);
    }
    record_.last_seen_ms = core::now_unix_ms();
    save_record();
  }
  // Anything else is ignored: newer defenders may say more than this console knows.
}

asio::awaitable<void> DefenderSession::run() {
  auto self = shared_from_this();
  const auto& options = context_.options;
  boost::system::error_code ec;
  deadline_.expires_after(options.handshake_timeout);
  deadline_.async_wait([weak = weak_from_this()](const boost::system::error_code& wait_ec) {
    auto session = weak.lock();
    if (wait_ec || !session || session->registered_) return;
    session->close_now();
  });

  beast::get_lowest_layer(ws_).expires_after(options.handshake_timeout);
  co_await ws_.next_layer().async_handshake(asio::ssl::stream_base::server,
                                            asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    close_now();
    co_return;
  }
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = options.handshake_timeout;
  timeouts.idle_timeout = options.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.read_message_max(options.max_message_bytes);
  co_await ws_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    close_now();
    co_return;
  }

  beast::flat_buffer buffer;
  co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    close_now();
    co_return;
  }
  std::string error;
  if (!handle_register(beast::buffers_to_string(buffer.data()), error)) {
    context_.log.warn("console", "defender from " + record_.address + " refused: " + error);
    ws_.text(true);
    const std::string refusal = json{{"type", "error"}, {"message", error}}.dump();
    co_await ws_.async_write(asio::buffer(refusal), asio::redirect_error(asio::use_awaitable, ec));
    co_await ws_.async_close(websocket::close_code::policy_error,
                             asio::redirect_error(asio::use_awaitable, ec));
    close_now();
    co_return;
  }
  registered_ = true;
  deadline_.cancel();
  buffer.consume(buffer.size());

  std::optional<PolicyRecord> policy;
  try {
    policy = context_.hub.policy_for(record_.app_id);
  } catch (const std::exception& e) {
    context_.log.error("console", std::string("policy lookup failed: ") + e.what());
  }
  save_record();
  hub_id_ = context_.hub.attach(record_.app_id, record_.instance, weak_from_this());
  context_.log.info("console", "defender " + record_.app_id + "/" + record_.instance +
                                   " connected from " + record_.address);
  outbox_.push_back(json{{"type", "registered"}}.dump());
  if (policy) outbox_.push_back(policy_message(*policy));
  asio::co_spawn(ws_.get_executor(), [self] { return self->write_loop(); }, asio::detached);

  while (open_) {
    co_await ws_.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    handle_message(beast::buffers_to_string(buffer.data()));
    buffer.consume(buffer.size());
  }
  context_.hub.detach(hub_id_);
  record_.last_seen_ms = core::now_unix_ms();
  save_record();
  context_.log.info("console", "defender " + record_.app_id + "/" + record_.instance +
                                   " disconnected");
  close_now();
}

asio::awaitable<void> DefenderSession::write_loop() {
  auto self = shared_from_this();
  ws_.text(true);
  while (open_) {
    if (outbox_.empty()) {
      boost::system::error_code ec;
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    std::string message = std::move(outbox_.front());
    outbox_.pop_front();
    boost::system::error_code ec;
    co_await ws_.async_write(asio::buffer(message), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      close_now();
      co_return;
    }
  }
}

}  // namespace defender::console

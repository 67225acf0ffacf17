#include "supervisor/metrics_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <charconv>
#include <optional>

namespace defender::supervisor {

namespace asio = boost::asio;
using asio::ip::tcp;

struct MetricsServer::State {
  State(asio::io_context& io_context, Render render_fn, Options opts)
      : io(io_context), acceptor(io_context), render(std::move(render_fn)), options(opts) {}
  asio::io_context& io;
  tcp::acceptor acceptor;
  Render render;
  Options options;
  std::size_t connections = 0;
  bool stopped = false;
};

namespace {

std::string response(const std::string& status, const std::string& type, const std::string& body) {
  return "HTTP/1.0 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

asio::awaitable<void> serve(std::shared_ptr<MetricsServer::State> state, tcp::socket socket) {
  ++state->connections;
  struct Release {
    MetricsServer::State& s;
    ~Release() { --s.connections; }
  } release{*state};
  asio::steady_timer deadline(socket.get_executor());
  deadline.expires_after(std::chrono::milliseconds(state->options.read_timeout_ms));
  deadline.async_wait([&socket](const boost::system::error_code& ec) {
    if (!ec) {
      boost::system::error_code ignored;
      socket.close(ignored);
    }
  });
  asio::streambuf buffer(state->options.max_request_bytes);
  boost::system::error_code ec;
  co_await asio::async_read_until(socket, buffer, "\r\n\r\n", asio::redirect_error(asio::use_awaitable, ec));
  std::string reply;
  if (ec) {
    if (!socket.is_open()) co_return;  // timed out
    reply = response("400 Bad Request", "text/plain", "bad request\n");
  } else {
    std::string head(asio::buffers_begin(buffer.data()), asio::buffers_end(buffer.data()));
    const std::string line = head.substr(0, head.find("\r\n"));
    const auto sp1 = line.find(' ');
    const auto sp2 = line.find(' ', sp1 == std::string::npos ? 0 : sp1 + 1);
    const std::string method = line.substr(0, sp1);
    const std::string target = sp1 == std::string::npos ? "" : line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string path = target.substr(0, target.find('?'));
    if (method != "GET" && method != "HEAD") {
      reply = response("405 Method Not Allowed", "text/plain", "GET only\n");
    } else if (path == "/metrics") {
      reply = response("200 OK", "text/plain; version=0.0.4", state->render());
    } else if (path == "/healthz") {
      reply = response("200 OK", "text/plain", "ok\n");
    } else {
      reply = response("404 Not Found", "text/plain", "not found\n");
    }
    if (method == "HEAD") reply = reply.substr(0, reply.find("\r\n\r\n") + 4);
  }
  co_await asio::async_write(socket, asio::buffer(reply), asio::redirect_error(asio::use_awaitable, ec));
  deadline.cancel();
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

asio::awaitable<void> accept_loop(std::shared_ptr<MetricsServer::State> state) {
  while (!state->stopped) {
    boost::system::error_code ec;
    tcp::socket socket = co_await state->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) co_return;
      continue;
    }
    if (state->connections >= state->options.max_connections) continue;  // closed by destruction
    asio::co_spawn(state->io, serve(state, std::move(socket)), asio::detached);
  }
}

std::optional<tcp::endpoint> parse_listen(const std::string& text, std::string* error) {
  std::string host;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      *error = "'" + text + "' is not ADDR:PORT";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      *error = "'" + text + "' is not ADDR:PORT";
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  std::uint16_t number = 0;
  const auto [ptr, parse_ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (ec || parse_ec != std::errc() || ptr != port.data() + port.size()) {
    *error = "'" + text + "' is not ADDR:PORT";
    return std::nullopt;
  }
  return tcp::endpoint(address, number);
}

}  // namespace

MetricsServer::MetricsServer(asio::io_context& io, Render render, Options options)
    : state_(std::make_shared<State>(io, std::move(render), options)) {}

MetricsServer::~MetricsServer() { stop(); }

std::error_code MetricsServer::start(const std::string& listen, std::string* error) {
  const auto endpoint = parse_listen(listen, error);
  if (!endpoint) return std::make_error_code(std::errc::invalid_argument);
  if (!endpoint->address().is_loopback()) {
    *error = listen + " is not a loopback address (metrics have no authentication)";
    return std::make_error_code(std::errc::permission_denied);
  }
  boost::system::error_code ec;
  state_->acceptor.open(endpoint->protocol(), ec);
  if (!ec) state_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) state_->acceptor.bind(*endpoint, ec);
  if (!ec) state_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "bind " + listen + ": " + ec.message();
    boost::system::error_code ignored;
    state_->acceptor.close(ignored);
    return std::error_code(ec.value(), std::generic_category());
  }
  asio::co_spawn(state_->io, accept_loop(state_), asio::detached);
  return {};
}

tcp::endpoint MetricsServer::local_endpoint() const {
  boost::system::error_code ec;
  return state_->acceptor.local_endpoint(ec);
}

void MetricsServer::stop() {
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
}

}  // namespace defender::supervisor

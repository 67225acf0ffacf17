#include "console/console_server.h"

#include <utility>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>

#include "console/api.h"
#include "console/auth.h"
#include "console/crypto_util.h"
#include "console/sqlite_store.h"
#include "console/tls_material.h"

namespace defender::console {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

tcp::endpoint parse_listen(const std::string& text, const char* flag) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find("]:");
    if (close == std::string::npos) throw std::runtime_error(std::string(flag) + " '" + text + "': expected [ADDR]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error(std::string(flag) + " '" + text + "': expected ADDR:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  int number = -1;
  try {
    number = std::stoi(port);
  } catch (const std::exception&) {
  }
  if (ec || number < 0 || number > 65535) {
    throw std::runtime_error(std::string(flag) + " '" + text + "': expected ADDR:PORT with a numeric address");
  }
  return tcp::endpoint(address, static_cast<std::uint16_t>(number));
}

std::string read_secret_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read the admin password file");
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.size() < 8) throw std::runtime_error(path + ": the admin password needs 8 characters or more");
  return line;
}

void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

struct ConsoleServer::Impl {
  ConsoleOptions options;
  core::Logger log;
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<Auth> auth;
  std::unique_ptr<DefenderHub> hub;
  std::unique_ptr<EventWriter> writer;
  std::unique_ptr<Api> api;
  std::unique_ptr<ChannelContext> channel;
  asio::ssl::context tls{asio::ssl::context::tls_server};  // outlives the sessions in io
  asio::io_context api_io;      // API and web UI
  asio::io_context channel_io;  // defender channel
  tcp::acceptor api_acceptor{api_io};
  tcp::acceptor defender_acceptor{channel_io};
  std::atomic<std::size_t> api_connections{0};

  Impl(ConsoleOptions o, const core::Logger& l) : options(std::move(o)), log(l) {}

  void open(tcp::acceptor& acceptor, const std::string& listen, const char* flag) {
    const tcp::endpoint endpoint = parse_listen(listen, flag);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    boost::system::error_code ec;
    acceptor.bind(endpoint, ec);
    if (ec) throw std::runtime_error(std::string(flag) + " " + listen + ": " + ec.message());
    acceptor.listen(asio::socket_base::max_listen_connections);
  }

  asio::awaitable<void> http_session(tcp::socket socket) {
    struct Count {
      std::atomic<std::size_t>& n;
      ~Count() { --n; }
    } count{api_connections};
    beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), tls);
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).expires_after(options.http_timeout);
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
      beast::get_lowest_layer(stream).expires_after(options.http_timeout);
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::end_of_stream) break;
      if (ec) {
        const bool too_big = ec == http::error::body_limit || ec == http::error::header_limit;
        if (too_big || ec == http::error::bad_target || ec.category() == http::make_error_code(http::error::bad_method).category()) {
          HttpRequest bad;
          bad.version(11);
          bad.keep_alive(false);
          auto response = error_response(bad, too_big ? 413 : 400,
                                         too_big ? "request too large" : "malformed request");
          response.keep_alive(false);
          co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
        }
        break;
      }
      HttpResponse response = api->handle(parser.get());
      if (parser.get().method() == http::verb::head) response.body().clear();
      const bool keep_alive = response.keep_alive();
      co_await http::async_write(stream, response, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !keep_alive) break;
    }
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
    co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> accept_api() {
    for (;;) {
      tcp::socket socket(asio::make_strand(api_io));
      boost::system::error_code ec;
      co_await api_acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !api_acceptor.is_open()) co_return;
      if (ec) {
        co_await pause_after_accept_error(ec);
        continue;
      }
      if (++api_connections > options.max_api_connections) {
        --api_connections;
        continue;  // the socket closes as it goes out of scope
      }
      auto executor = socket.get_executor();
      asio::co_spawn(executor, http_session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> accept_defenders() {
    for (;;) {
      tcp::socket socket(asio::make_strand(channel_io));
      boost::system::error_code ec;
      co_await defender_acceptor.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !defender_acceptor.is_open()) co_return;
      if (ec) {
        co_await pause_after_accept_error(ec);
        continue;
      }
      std::make_shared<DefenderSession>(std::move(socket), tls, *channel)->start();
    }
  }

  // EMFILE and friends: wait a little instead of spinning on a failing accept.
  asio::awaitable<void> pause_after_accept_error(const boost::system::error_code& ec) {
    log.warn("console", "accept: " + ec.message());
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
    boost::system::error_code wait_ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, wait_ec));
  }
};

ConsoleServer::ConsoleServer(ConsoleOptions options, const core::Logger& log, std::ostream& out)
    : impl_(std::make_unique<Impl>(std::move(options), log)) {
  auto& o = impl_->options;
  raise_fd_limit();
  std::filesystem::create_directories(o.data_folder);
  impl_->store = std::make_unique<SqliteStore>(
      SqliteStore::Options{o.data_folder + "/console.db", o.max_events, 1000});
  Store& store = *impl_->store;

  if (store.users().empty()) {
    std::string password;
    if (!o.admin_password_file.empty()) {
      password = read_secret_file(o.admin_password_file);
    } else {
      password = random_hex(12);
      out << "console: created user admin with password " << password
          << " (shown once; change it with PUT /api/v1/users/admin)" << std::endl;
    }
    store.put_user(UserRecord{"admin", Role::admin, hash_password(password)});
    log.info("console", "created user admin");
  }
  std::string token;
  if (auto saved = store.setting("defender_token")) {
    token = *saved;
  } else {
    token = random_hex(32);
    store.put_setting("defender_token", token);
  }

  TlsOptions tls_options;
  tls_options.data_folder = o.data_folder;
  tls_options.cert_file = o.tls_cert;
  tls_options.key_file = o.tls_key;
  tls_options.ca_file = o.tls_ca;
  tls_options.hostnames = {"localhost", "127.0.0.1", "::1"};
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') tls_options.hostnames.emplace_back(host);
  for (const auto& name : o.hostnames) tls_options.hostnames.push_back(name);
  const TlsMaterial material = load_or_create_tls(tls_options);
  auto& tls = impl_->tls;
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  tls.use_certificate_chain(asio::buffer(material.server_cert_pem));
  tls.use_private_key(asio::buffer(material.server_key_pem), asio::ssl::context::pem);

  impl_->auth = std::make_unique<Auth>(store, Auth::Options{o.session_ttl, 10'000, std::chrono::seconds(60), 1024});
  impl_->hub = std::make_unique<DefenderHub>(store);
  impl_->writer = std::make_unique<EventWriter>(store, EventWriter::Options{o.event_queue, 5000, o.event_queue_bytes}, log);
  ApiOptions api_options;
  api_options.data_folder = o.data_folder;
  api_options.defender_binary = o.defender_binary;
  api_options.public_ws_address = o.public_ws_address;
  api_options.ca_cert_pem = material.ca_cert_pem;
  api_options.defender_token = token;

  impl_->open(impl_->api_acceptor, o.api_listen, "--api-listen");
  impl_->open(impl_->defender_acceptor, o.defender_listen, "--defender-listen");
  api_options.defender_port = impl_->defender_acceptor.local_endpoint().port();
  impl_->api = std::make_unique<Api>(store, *impl_->auth, *impl_->hub, *impl_->writer, api_options, log);
  impl_->channel = std::make_unique<ChannelContext>(
      ChannelContext{store, *impl_->hub, *impl_->writer, log, token, o.channel});
}

ConsoleServer::~ConsoleServer() = default;

std::uint16_t ConsoleServer::api_port() const { return impl_->api_acceptor.local_endpoint().port(); }
std::uint16_t ConsoleServer::defender_port() const {
  return impl_->defender_acceptor.local_endpoint().port();
}

void ConsoleServer::run() {
  asio::co_spawn(impl_->api_io, impl_->accept_api(), asio::detached);
  asio::co_spawn(impl_->channel_io, impl_->accept_defenders(), asio::detached);
  impl_->log.info("console", "API and web UI on https://" + impl_->options.api_listen +
                                 " (port " + std::to_string(api_port()) + "), defenders on wss://" +
                                 impl_->options.defender_listen + " (port " +
                                 std::to_string(defender_port()) + ")");
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, impl_->options.api_threads); ++i) {
    threads.emplace_back([this] { impl_->api_io.run(); });
  }
  for (int i = 1; i < std::max(1, impl_->options.threads); ++i) {
    threads.emplace_back([this] { impl_->channel_io.run(); });
  }
  impl_->channel_io.run();
  impl_->api_io.stop();  // stop() stops both; this covers the channel's ending on its own
  for (auto& thread : threads) thread.join();
}

void ConsoleServer::stop() {
  impl_->api_io.stop();
  impl_->channel_io.stop();
}

}  // namespace defender::console

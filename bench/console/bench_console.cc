// bench_console: N simulated defenders held open on the console's defender channel (WSS),
// each streaming event batches (one batch in flight per connection, sent again on "retry"),
// while one client polls the API over HTTPS. Prints events/s acknowledged and stored, the
// console's RSS (from /proc/PID/status) and API latency percentiles. Bounded: stops after
// --seconds. Run by bench/console/run.sh, which starts the console.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <iostream>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>

#include "console/client/install_bundle.h"
#include "console/crypto_util.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Config {
  std::string bundle;
  std::uint16_t api_port = 0;
  std::string user = "admin";
  std::string password;
  int connections = 1000;
  int seconds = 10;
  int batch = 100;
  int threads = 1;
  int pid = 0;
};

std::atomic<std::uint64_t> g_acked{0};
std::atomic<std::uint64_t> g_retries{0};
std::atomic<int> g_registered{0};
std::atomic<int> g_failed{0};
std::atomic<bool> g_stop{false};

std::string event_line(int connection, int i) {
  return "{\"time\":\"2026-11-29T10:00:00.000Z\",\"app_id\":\"bench\",\"type\":\"dns\",\"action\":\"prevent\","
         "\"rule\":\"network.deny[1]\",\"message\":\"blocked\",\"qname\":\"evil" +
         std::to_string(i) + ".example\",\"qtype\":\"A\",\"client\":\"10.0.0." + std::to_string(connection % 250) +
         "\"}";
}

asio::awaitable<void> simulated_defender(asio::ssl::context& tls, tcp::endpoint endpoint, std::string token, int index,
                               int batch, std::atomic<bool>& holding) {
  using Stream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
  auto executor = co_await asio::this_coro::executor;
  Stream ws(executor, tls);
  boost::system::error_code ec;
  beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(60));
  co_await beast::get_lowest_layer(ws).async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_await ws.next_layer().async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  beast::get_lowest_layer(ws).expires_never();
  if (!ec) co_await ws.async_handshake("127.0.0.1", "/", asio::redirect_error(asio::use_awaitable, ec));
  const std::string hello = nlohmann::json{{"type", "register"}, {"token", token}, {"app_id", "bench"},
                                           {"instance", "sim-" + std::to_string(index)}, {"version", "bench"}}
                                .dump();
  if (!ec) co_await ws.async_write(asio::buffer(hello), asio::redirect_error(asio::use_awaitable, ec));
  beast::flat_buffer buffer;
  if (!ec) co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    ++g_failed;
    co_return;
  }
  ++g_registered;
  holding = true;
  std::string payload;
  for (int i = 0; i < batch; ++i) {
    if (i) payload += ',';
    payload += event_line(index, i);
  }
  std::int64_t seq = 0;
  while (!g_stop) {
    const std::string message = "{\"type\":\"events\",\"seq\":" + std::to_string(++seq) + ",\"events\":[" + payload + "]}";
    co_await ws.async_write(asio::buffer(message), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    // Read until the answer to this batch (the console may also send the policy first).
    for (;;) {
      buffer.consume(buffer.size());
      co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      const auto answer = nlohmann::json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
      if (!answer.is_object() || answer.value("seq", std::int64_t{-1}) != seq) continue;
      if (answer.value("type", "") == "ack") {
        g_acked += static_cast<std::uint64_t>(batch);
      } else {
        ++g_retries;
        asio::steady_timer timer(executor, std::chrono::milliseconds(100));
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      break;
    }
    if (ec) break;
  }
  holding = false;
  co_await ws.async_close(websocket::close_code::normal, asio::redirect_error(asio::use_awaitable, ec));
}

long rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// One keep-alive HTTPS client polling the API; returns each request's latency in ms.
std::vector<double> poll_api(const Config& config, const std::string& ca, const std::string& path, int count,
                             std::uint64_t* stored) {
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.add_certificate_authority(asio::buffer(ca));
  tls.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), config.api_port));
  stream.handshake(asio::ssl::stream_base::client);
  const std::string auth = "Basic " + defender::console::base64_encode(config.user + ":" + config.password);
  std::vector<double> latencies;
  beast::flat_buffer buffer;
  for (int i = 0; i < count && !g_stop; ++i) {
    http::request<http::empty_body> request{http::verb::get, path, 11};
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::authorization, auth);
    const auto start = Clock::now();
    http::write(stream, request);
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (stored != nullptr) {
      const auto body = nlohmann::json::parse(response.body(), nullptr, false);
      if (body.is_object()) *stored = body.value("events_stored", std::uint64_t{0});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return latencies;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--bundle") config.bundle = value;
    else if (flag == "--api-port") config.api_port = static_cast<std::uint16_t>(std::stoi(value));
    else if (flag == "--password") config.password = value;
    else if (flag == "--connections") config.connections = std::stoi(value);
    else if (flag == "--seconds") config.seconds = std::stoi(value);
    else if (flag == "--batch") config.batch = std::stoi(value);
    else if (flag == "--threads") config.threads = std::stoi(value);
    else if (flag == "--pid") config.pid = std::stoi(value);
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  std::string error;
  const auto bundle = defender::console::parse_install_bundle(config.bundle, error);
  if (!bundle) {
    std::cerr << "bench_console: " << error << "\n";
    return 2;
  }
  const auto address = defender::console::parse_ws_address(bundle->ws_address, error);
  if (!address) {
    std::cerr << "bench_console: " << error << "\n";
    return 2;
  }
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(std::stoi(address->port)));
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.add_certificate_authority(asio::buffer(bundle->ca_cert_pem));
  tls.set_verify_mode(asio::ssl::verify_peer);
  auto holding = std::make_unique<std::atomic<bool>[]>(static_cast<std::size_t>(config.connections));
  const auto rss_before = config.pid ? rss_kib(config.pid) : -1;
  for (int i = 0; i < config.connections; ++i) {
    asio::co_spawn(asio::make_strand(io),
                   simulated_defender(tls, endpoint, bundle->token, i, config.batch,
                            holding[static_cast<std::size_t>(i)]),
                   asio::detached);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < config.threads; ++i) threads.emplace_back([&io] { io.run(); });

  // Connect phase (bounded), then the measured window.
  const auto connect_deadline = Clock::now() + std::chrono::seconds(120);
  while (g_registered + g_failed < config.connections && Clock::now() < connect_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cout << "defenders registered: " << g_registered << " failed: " << g_failed << "\n";
  std::uint64_t stored_start = 0;
  std::uint64_t stored_end = 0;
  poll_api(config, bundle->ca_cert_pem, "/api/v1/status", 1, &stored_start);
  const std::uint64_t acked_start = g_acked;
  const auto start = Clock::now();
  std::vector<double> latencies;
  std::thread poller([&] {
    latencies = poll_api(config, bundle->ca_cert_pem, "/api/v1/events?limit=50&type=dns", config.seconds * 10 / 2, nullptr);
  });
  std::vector<double> defender_latencies = poll_api(config, bundle->ca_cert_pem, "/api/v1/defenders", 1, nullptr);
  while (Clock::now() - start < std::chrono::seconds(config.seconds)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::uint64_t acked_end = g_acked;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  int held = 0;
  for (int i = 0; i < config.connections; ++i) held += holding[static_cast<std::size_t>(i)] ? 1 : 0;
  const long rss = config.pid ? rss_kib(config.pid) : -1;
  poller.join();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  poll_api(config, bundle->ca_cert_pem, "/api/v1/status", 1, &stored_end);
  g_stop = true;
  for (auto& t : threads) t.join();

  std::printf("connections held open at the end of the window: %d of %d\n", held, config.connections);
  std::printf("events acknowledged: %.0f/s over %.1f s (batches of %d; retries %llu)\n",
              static_cast<double>(acked_end - acked_start) / elapsed, elapsed, config.batch,
              static_cast<unsigned long long>(g_retries.load()));
  std::printf("events stored: %.0f/s (%llu in the window + 1 s drain)\n",
              static_cast<double>(stored_end - stored_start) / (elapsed + 1),
              static_cast<unsigned long long>(stored_end - stored_start));
  if (rss >= 0) std::printf("console RSS: %ld MiB before, %ld MiB under load\n", rss_before / 1024, rss / 1024);
  std::printf("API GET /api/v1/events?limit=50 during ingestion: n=%zu p50=%.1f ms p99=%.1f ms max=%.1f ms\n",
              latencies.size(), percentile(latencies, 0.5), percentile(latencies, 0.99), percentile(latencies, 1.0));
  std::printf("API GET /api/v1/defenders (%d defenders): %.1f ms\n", config.connections,
              defender_latencies.empty() ? 0.0 : defender_latencies[0]);
  return 0;
}

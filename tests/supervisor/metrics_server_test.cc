#include "supervisor/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

namespace defender::supervisor {
namespace {

std::string fetch(std::uint16_t port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "connect failed";
  }
  if (!request.empty()) (void)!write(fd, request.data(), request.size());
  std::string reply;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) reply.append(buffer, static_cast<std::size_t>(n));
  close(fd);
  return reply;
}

class MetricsServerTest : public ::testing::Test {
 protected:
  void start(MetricsServer::Options options = {}) {
    server_ = std::make_unique<MetricsServer>(io_, [] { return std::string("# TYPE x counter\nx 7\n"); }, options);
    std::string error;
    ASSERT_FALSE(server_->start("127.0.0.1:0", &error)) << error;
    port_ = server_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] { server_->stop(); });
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  boost::asio::io_context io_;
  std::unique_ptr<MetricsServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

TEST_F(MetricsServerTest, ServesMetricsAndHealth) {
  start();
  const std::string metrics = fetch(port_, "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(metrics.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << metrics;
  EXPECT_NE(metrics.find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.find("\r\n\r\n# TYPE x counter\nx 7\n"), std::string::npos);
  EXPECT_NE(fetch(port_, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").find("200 OK"), std::string::npos);
  EXPECT_NE(fetch(port_, "GET /nope HTTP/1.0\r\n\r\n").find("404"), std::string::npos);
  EXPECT_NE(fetch(port_, "POST /metrics HTTP/1.0\r\n\r\n").find("405"), std::string::npos);
}

TEST_F(MetricsServerTest, BadAndSlowClientsGetAnAnswerOrAClose) {
  MetricsServer::Options options;
  options.read_timeout_ms = 200;
  options.max_request_bytes = 64;
  start(options);
  EXPECT_NE(fetch(port_, std::string(500, 'A')).find("400"), std::string::npos);
  EXPECT_EQ(fetch(port_, ""), "");  // says nothing: closed after the read timeout
  EXPECT_NE(fetch(port_, "GET /healthz HTTP/1.0\r\n\r\n").find("200"), std::string::npos);
}

TEST(MetricsServerListen, RefusesNonLoopbackAndGarbage) {
  boost::asio::io_context io;
  MetricsServer server(io, [] { return std::string(); }, {});
  std::string error;
  EXPECT_EQ(server.start("0.0.0.0:0", &error), std::errc::permission_denied);
  EXPECT_NE(error.find("not a loopback"), std::string::npos);
  EXPECT_EQ(server.start("nonsense", &error), std::errc::invalid_argument);
  EXPECT_EQ(server.start("127.0.0.1:99999", &error), std::errc::invalid_argument);
}

}  // namespace
}  // namespace defender::supervisor

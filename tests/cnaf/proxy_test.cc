// cnaf::Proxy in-process (as the supervisor embeds it): the inspection point, verdicts,
// events, reload and stats, against the test backend.
#include "cnaf/proxy.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "policy/loader.h"
#include "tests/cnaf/cnaf_test_support.h"

namespace defender::cnaf {
namespace {

using namespace std::chrono_literals;
using test::header_of;
using test::raw_exchange;
using test::status_of_response;

class CaptureSink final : public core::EventSink {
 public:
  void emit(core::Event event) noexcept override {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<core::Event> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<core::Event> events_;
};

std::string field(const core::Event& e, const std::string& key) {
  for (const auto& [k, v] : e.fields) {
    if (k == key && std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
  }
  return "";
}

// Blocks targets containing "attack" (403), rate-limits "/busy" (429), alerts on "/watch",
// sees the body; refuses connections while `refuse_connections` is set.
class TestInspector final : public Inspector {
 public:
  explicit TestInspector(std::string tag) : tag_(std::move(tag)) {}
  Verdict on_connection(std::string_view) override {
    Verdict v;
    if (refuse_connections) v.outcome = Verdict::Outcome::block;
    return v;
  }
  Verdict inspect(const RequestView& r) override {
    Verdict v;
    const std::string target(r.target);
    if (target.find("attack") != std::string::npos || r.body.find("attack") != std::string::npos) {
      v.outcome = Verdict::Outcome::block;
      v.findings.push_back(Finding{"sqli", "prevent", "cnaf.protections.sqli", "query:q", "attack", "test " + tag_});
    } else if (target == "/busy") {
      v.outcome = Verdict::Outcome::block;
      v.status = 429;
      v.findings.push_back(Finding{"rate_limit", "prevent", "cnaf.rate_limit", "", "", "too many"});
    } else if (target == "/watch") {
      v.findings.push_back(Finding{"scanners", "alert", "cnaf.protections.scanners", "header:user-agent", "x", "seen"});
    }
    last_body_len = r.body.size();
    return v;
  }
  std::atomic<bool> refuse_connections{false};
  std::atomic<std::size_t> last_body_len{0};

 private:
  std::string tag_;
};

class ProxyTest : public ::testing::Test {
 protected:
  void start(std::shared_ptr<const policy::Policy> policy = policy::builtin_policy()) {
    proxy_ = std::make_unique<Proxy>(io_, policy,
                                     [this](const policy::Policy&) {
                                       inspector_ = std::make_shared<TestInspector>(std::to_string(++built_));
                                       return inspector_;
                                     },
                                     sink_, log_);
    ProxyOptions options;
    options.listen = "127.0.0.1:0";
    options.upstream = backend_.address();
    options.threads = 2;
    ASSERT_FALSE(proxy_->start(options)) << proxy_->start_error();
    port_ = proxy_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (proxy_) proxy_->stop();
    if (thread_.joinable()) thread_.join();
    proxy_.reset();
  }

  test::Backend backend_;
  boost::asio::io_context io_;
  CaptureSink sink_;
  core::Logger log_{core::LogLevel::warn};
  std::unique_ptr<Proxy> proxy_;
  std::shared_ptr<TestInspector> inspector_;
  int built_ = 0;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

TEST_F(ProxyTest, BlockedRequestGetsThePageWithItsIdAndAnEvent) {
  start();
  const std::string out = raw_exchange(port_, "GET /search?q=attack HTTP/1.1\r\nHost: t\r\nX-Request-Id: rid-7\r\nConnection: close\r\n\r\n", 2s);
  EXPECT_EQ(status_of_response(out), 403) << out;
  EXPECT_EQ(header_of(out, "X-Request-Id"), "rid-7");
  EXPECT_NE(out.find("rid-7</code>"), std::string::npos);
  EXPECT_EQ(out.find("body_sha256"), std::string::npos);
  const auto events = sink_.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "http");
  EXPECT_EQ(events[0].action, "prevent");
  EXPECT_EQ(events[0].rule, "cnaf.protections.sqli");
  EXPECT_EQ(field(events[0], "request_id"), "rid-7");
  EXPECT_EQ(field(events[0], "protection"), "sqli");
  EXPECT_EQ(field(events[0], "target"), "/search?q=attack");
  EXPECT_EQ(field(events[0], "client_ip"), "127.0.0.1");
  EXPECT_EQ(proxy_->stats().blocked, 1u);
}

TEST_F(ProxyTest, VerdictStatusAndAlertsThatAllow) {
  start();
  EXPECT_EQ(status_of_response(raw_exchange(port_, "GET /busy HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")), 429);
  EXPECT_EQ(status_of_response(raw_exchange(port_, "GET /watch HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")), 404);
  const auto events = sink_.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].action, "alert");
}

TEST_F(ProxyTest, TheInspectorSeesTheBody) {
  start();
  const std::string body(5000, 'b');
  std::string out = raw_exchange(port_, "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 5000\r\n\r\n" + body);
  EXPECT_EQ(status_of_response(out), 200);
  EXPECT_EQ(inspector_->last_body_len.load(), 5000u);
  out = raw_exchange(port_, "POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nattack\r\n0\r\n\r\n");
  EXPECT_EQ(status_of_response(out), 403);
}

TEST_F(ProxyTest, ReloadBuildsANewInspectorAndKeepsConnections) {
  start();
  test::RawClient client(port_);
  ASSERT_TRUE(client.send("GET /search?q=attack HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(status_of_response(client.read(2s, "</html>")), 403);
  auto text = policy::load_policy_text("version: 1\ncnaf:\n  block_status: 406\n", "p.yaml", "/tmp");
  ASSERT_TRUE(text.ok());
  proxy_->reload(text.policy);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(built_, 2);
  ASSERT_TRUE(client.send("GET /search?q=attack HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(status_of_response(client.read(2s, "</html>")), 403);  // the verdict's own status wins
  const auto events = sink_.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].message, "test 2");
}

TEST_F(ProxyTest, RefusedConnectionsAreClosedWithAnEvent) {
  start();
  inspector_->refuse_connections = true;
  EXPECT_EQ(raw_exchange(port_, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 2s), "");
  EXPECT_EQ(proxy_->stats().connections_refused, 1u);
  ASSERT_EQ(sink_.events().size(), 1u);
  EXPECT_EQ(field(sink_.events()[0], "protection"), "access");
}

TEST_F(ProxyTest, StatsCountRequestsAndStatuses) {
  start();
  for (int i = 0; i < 5; ++i) {
    raw_exchange(port_, "GET /status?code=200 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  }
  raw_exchange(port_, "GET /status?code=503 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const ProxyStatsSnapshot s = proxy_->stats();
  EXPECT_EQ(s.requests, 6u);
  EXPECT_EQ(s.responses[2], 5u);
  EXPECT_EQ(s.responses[5], 1u);
  EXPECT_GT(s.latency_quantile_us(0.5), 0u);
  EXPECT_GE(s.upstream_connections, 1u);
}

TEST_F(ProxyTest, DrainFinishesAndCallsBack) {
  start();
  std::atomic<bool> done{false};
  proxy_->drain(2s, [&] { done = true; });
  for (int i = 0; i < 100 && !done; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(done);
  EXPECT_EQ(raw_exchange(port_, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 500ms), "");
}

}  // namespace
}  // namespace defender::cnaf

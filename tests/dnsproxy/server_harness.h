// An in-process DnsServer on 127.0.0.1 (a free port) run by its own io thread, with a policy
// built directly (no loader), and the events it emits collected.
#pragma once

#include <boost/asio/io_context.hpp>

#include <mutex>
#include <system_error>
#include <thread>

#include "dnsproxy/dns_server.h"
#include "policy/domain_matcher.h"

namespace defender::dnsproxy::testing {

struct PolicySpec {
  std::vector<std::string> deny;
  std::vector<std::string> allow;
  policy::Mode action = policy::Mode::prevent;
  policy::BlockedAnswer answer = policy::BlockedAnswer::nxdomain;
  policy::DefaultDecision default_decision = policy::DefaultDecision::allow;
  std::uint32_t timeout_ms = 2000;
  std::uint32_t cache_entries = 0;
};

inline std::shared_ptr<const policy::Policy> make_policy(const PolicySpec& spec) {
  auto p = std::make_shared<policy::Policy>();
  p->network.action = spec.action;
  p->network.blocked_answer = spec.answer;
  p->network.default_decision = spec.default_decision;
  p->network.deny = spec.deny;
  p->network.allow = spec.allow;
  p->network.sources = {"network.deny", "network.allow"};
  policy::DomainMatcher::Builder builder;
  for (std::uint32_t i = 0; i < spec.deny.size(); ++i) builder.add(spec.deny[i], true, {0, i});
  for (std::uint32_t i = 0; i < spec.allow.size(); ++i) builder.add(spec.allow[i], false, {1, i});
  p->network.matcher = std::make_shared<policy::DomainMatcher>(std::move(builder).build().matcher);
  p->dns.timeout_ms = spec.timeout_ms;
  p->dns.cache_entries = spec.cache_entries;
  p->dns.tcp_idle_ms = 1000;
  p->dns.upstream_retry_ms = 200;
  return p;
}

class CollectingSink : public core::EventSink {
 public:
  void emit(core::Event event) noexcept override {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<core::Event> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  // Events arrive in bursts (the server holds them up to 50 ms): polls until `count` are in.
  std::vector<core::Event> wait_for(std::size_t count,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (events().size() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return events();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<core::Event> events_;
};

inline std::string field(const core::Event& event, const std::string& key) {
  for (const auto& [k, v] : event.fields) {
    if (k != key) continue;
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  }
  return "";
}

class ServerHarness {
 public:
  ServerHarness(std::shared_ptr<const policy::Policy> policy, const std::vector<std::uint16_t>& upstream_ports)
      : log_(core::LogLevel::warn) {
    std::vector<Upstream> upstreams;
    for (const std::uint16_t port : upstream_ports) {
      upstreams.push_back({Endpoint{boost::asio::ip::make_address("127.0.0.1"), port}});
    }
    server_ = std::make_unique<DnsServer>(io_, std::move(policy), upstreams, sink_, log_);
    start_error_ = server_->start(Endpoint{boost::asio::ip::make_address("127.0.0.1"), 0});
    if (start_error_) throw std::system_error(start_error_, "DnsServer::start");
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ServerHarness() {
    server_->stop();
    io_.stop();
    thread_.join();
    server_.reset();
  }
  std::error_code start_error() const { return start_error_; }
  std::uint16_t port() const { return server_->local_endpoint().port; }
  DnsServer& server() { return *server_; }
  const CollectingSink& sink() const { return sink_; }

 private:
  boost::asio::io_context io_;
  core::Logger log_;
  CollectingSink sink_;
  std::unique_ptr<DnsServer> server_;
  std::error_code start_error_;
  std::thread thread_;
};

}  // namespace defender::dnsproxy::testing

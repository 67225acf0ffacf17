// FakeUpstream: a small DNS server for the tests, on 127.0.0.1 (UDP and TCP, one port), run
// by its own thread. Answers from a table of names (A, AAAA, CNAME chains), NXDOMAIN for
// others, and misbehaves on request: never answering, answering first with a wrong id,
// truncating every UDP answer (TC=1, full answer over TCP). Counts the queries per name.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace defender::dnsproxy::testing {

struct FakeRecord {
  std::uint16_t type = 1;  // 1 A, 28 AAAA, 5 CNAME
  std::string data;        // "192.0.2.1", "2001:db8::1", "target.example"
  std::uint32_t ttl = 300;
};

class FakeUpstream {
 public:
  enum class Mode { answer, never_answer, wrong_id_first, truncate_udp };

  FakeUpstream();
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void set_mode(Mode mode) { mode_ = mode; }
  // Records for `name` (lower case, no trailing dot). A CNAME's target is answered too.
  void add(const std::string& name, FakeRecord record);
  // Queries seen for `name` (case-insensitive), over both transports.
  int queries_for(const std::string& name) const;
  int total_queries() const { return total_.load(); }
  int tcp_queries() const { return tcp_.load(); }
  int tcp_connections() const { return tcp_connections_.load(); }

  // The answer this server gives to `query` (without the misbehaviours).
  std::vector<std::uint8_t> answer(const std::vector<std::uint8_t>& query, bool truncate) const;

 private:
  void run();

  int udp_fd_ = -1;
  int tcp_fd_ = -1;
  int wake_fd_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::atomic<Mode> mode_{Mode::answer};
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<FakeRecord>> records_;
  std::map<std::string, int> counts_;
  std::atomic<int> total_{0};
  std::atomic<int> tcp_{0};
  std::atomic<int> tcp_connections_{0};
  std::thread thread_;
};

}  // namespace defender::dnsproxy::testing

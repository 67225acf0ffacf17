// Helpers for the CNAF tests: the test backend (tests/cnaf/backend.py) as a child process,
// raw loopback TCP exchanges, and process memory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace defender::cnaf::test {

using namespace std::chrono_literals;

// python3 tests/cnaf/backend.py on a free loopback port; stopped on destruction.
class Backend {
 public:
  Backend();
  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::unique_ptr<testing::Process> process_;
  std::uint16_t port_ = 0;
};

// Connects to 127.0.0.1:port, sends `request` (optionally shutting down the write side) and
// reads until the peer closes or `timeout` passes. Returns what was read ("" on connect error).
std::string raw_exchange(std::uint16_t port, const std::string& request,
                         std::chrono::milliseconds timeout = 5s, bool shutdown_write = false);

// A connected loopback client socket for step-by-step exchanges.
class RawClient {
 public:
  explicit RawClient(std::uint16_t port);
  ~RawClient();
  bool connected() const { return fd_ >= 0; }
  bool send(const std::string& bytes);
  // Reads what arrives within `timeout` (stops early once `until` is seen, when given).
  std::string read(std::chrono::milliseconds timeout, const std::string& until = "");
  // True when the peer closed the connection within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// What "flat memory" allows a proxy streaming hundreds of MB: 64 MiB. Under AddressSanitizer
// freed memory sits in its quarantine (256 MB by default), so the bound says nothing there.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr std::uint64_t kFlatRssLimitKib = 1024u * 1024;
#else
inline constexpr std::uint64_t kFlatRssLimitKib = 64u * 1024;
#endif

// Resident set size of a process in KiB (VmRSS), 0 when unknown.
std::uint64_t rss_kib(pid_t pid);
// Peak resident set size (VmHWM) in KiB.
std::uint64_t peak_rss_kib(pid_t pid);

// A running `defender cnaf` in front of `upstream`, with its own data folder (events in
// events.jsonl there); `policy_yaml` (when given) is its policy, `extra` more flags.
class Cnaf {
 public:
  Cnaf(const std::string& upstream, const std::string& policy_yaml = "", std::vector<std::string> extra = {});
  bool ok() const { return ok_; }
  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  testing::Process& process() { return *process_; }
  const testing::TempDir& dir() const { return dir_; }
  std::string events() const;
  // Polls the event file until `needle` appears.
  bool wait_for_event(const std::string& needle, std::chrono::milliseconds timeout = 5s) const;

 private:
  testing::TempDir dir_;
  std::uint16_t port_ = 0;
  std::unique_ptr<testing::Process> process_;
  bool ok_ = false;
};

// curl -sS --max-time 60 with `args`.
testing::RunResult curl(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 30s);

// A test CA and a certificate for "localhost" and 127.0.0.1 signed by it (the openssl CLI).
struct TestPki {
  TestPki();
  testing::TempDir dir;
  std::string ca, cert, key;
};

// The body of a raw HTTP/1 response ("" when there is none).
std::string body_of(const std::string& response);

// Value of header `name` (case-insensitive) in a raw HTTP response head, "" when absent.
std::string header_of(const std::string& response, const std::string& name);
// The status code of the first response in `response` (HTTP/1.x or curl's "HTTP/2 "), 0
// when none.
int status_of_response(const std::string& response);

}  // namespace defender::cnaf::test

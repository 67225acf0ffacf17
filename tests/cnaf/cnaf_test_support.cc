#include "tests/cnaf/cnaf_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace defender::cnaf::test {
namespace {

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads until close, timeout, or `until` seen. `closed` reports a clean close.
std::string read_some(int fd, std::chrono::milliseconds timeout, const std::string& until, bool* closed) {
  std::string out;
  const auto end = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed != nullptr) *closed = true;
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
    if (!until.empty() && out.find(until) != std::string::npos) break;
  }
  return out;
}

std::uint64_t status_field(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1));
  }
  return 0;
}

}  // namespace

Backend::Backend() {
  const std::string script = testing::source_dir() + "/tests/cnaf/backend.py";
  process_ = std::make_unique<testing::Process>(std::vector<std::string>{"python3", script});
  if (!process_->wait_for_output("PORT ", 20s)) throw std::runtime_error("backend did not start: " + process_->err());
  // Wait for the whole line.
  for (int i = 0; i < 100 && process_->out().find('\n') == std::string::npos; ++i) {
    ::usleep(10000);
  }
  const std::string out = process_->out();
  port_ = static_cast<std::uint16_t>(std::stoi(out.substr(out.find("PORT ") + 5)));
  if (!testing::wait_for_tcp_port(port_)) throw std::runtime_error("backend port not open");
}

std::string raw_exchange(std::uint16_t port, const std::string& request, std::chrono::milliseconds timeout,
                         bool shutdown_write) {
  const int fd = connect_loopback(port);
  if (fd < 0) return "";
  send_all(fd, request);
  if (shutdown_write) ::shutdown(fd, SHUT_WR);
  std::string out = read_some(fd, timeout, "", nullptr);
  ::close(fd);
  return out;
}

RawClient::RawClient(std::uint16_t port) : fd_(connect_loopback(port)) {}
RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}
bool RawClient::send(const std::string& bytes) { return fd_ >= 0 && send_all(fd_, bytes); }
std::string RawClient::read(std::chrono::milliseconds timeout, const std::string& until) {
  return fd_ >= 0 ? read_some(fd_, timeout, until, nullptr) : std::string();
}
bool RawClient::closed_within(std::chrono::milliseconds timeout) {
  bool closed = false;
  if (fd_ >= 0) read_some(fd_, timeout, "", &closed);
  return closed;
}

std::uint64_t rss_kib(pid_t pid) { return status_field(pid, "VmRSS"); }
std::uint64_t peak_rss_kib(pid_t pid) { return status_field(pid, "VmHWM"); }

std::string header_of(const std::string& response, const std::string& name) {
  std::istringstream in(response.substr(0, response.find("\r\n\r\n")));
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon != name.size()) continue;
    if (!std::equal(name.begin(), name.end(), line.begin(),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); })) {
      continue;
    }
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    return value;
  }
  return "";
}

int status_of_response(const std::string& response) {
  if (response.rfind("HTTP/2 ", 0) == 0 && response.size() >= 10) return std::atoi(response.substr(7, 3).c_str());
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

Cnaf::Cnaf(const std::string& upstream, const std::string& policy_yaml, std::vector<std::string> extra) {
  port_ = testing::free_port();
  std::vector<std::string> argv{testing::defender_bin(), "cnaf", "--listen", "127.0.0.1:" + std::to_string(port_),
                                "--upstream", upstream, "--data-folder", dir_.path(), "--threads", "2"};
  if (!policy_yaml.empty()) {
    argv.push_back("--policy");
    argv.push_back(dir_.write("policy.yaml", policy_yaml));
  }
  for (auto& e : extra) argv.push_back(std::move(e));
  process_ = std::make_unique<testing::Process>(argv, std::vector<std::string>{"DATA_FOLDER=" + dir_.path()});
  ok_ = testing::wait_for_tcp_port(port_, 10s);
}

std::string Cnaf::events() const {
  std::ifstream in(dir_.path() + "/events.jsonl");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool Cnaf::wait_for_event(const std::string& needle, std::chrono::milliseconds timeout) const {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (events().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

testing::RunResult curl(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{"curl", "-sS", "--max-time", "60"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run(argv, timeout);
}

TestPki::TestPki() {
  ca = dir.path() + "/ca.pem";
  cert = dir.path() + "/cert.pem";
  key = dir.path() + "/key.pem";
  const std::string script =
      "set -e; cd " + dir.path() + "; "
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca 2>/dev/null; "
      "openssl req -newkey rsa:2048 -nodes -keyout key.pem -out req.csr -subj /CN=localhost 2>/dev/null; "
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext.cnf; "
      "openssl x509 -req -in req.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert.pem -days 2 -extfile ext.cnf 2>/dev/null";
  const auto r = testing::run({"sh", "-c", script});
  if (r.status != 0) throw std::runtime_error("openssl failed: " + r.err);
}

std::string body_of(const std::string& response) {
  const auto p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}

}  // namespace defender::cnaf::test

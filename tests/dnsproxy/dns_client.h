// A DNS client for the tests: builds queries, sends them over UDP or TCP to 127.0.0.1, and
// decodes the answers enough to assert on them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace defender::dnsproxy::testing {

struct QueryOptions {
  std::uint16_t id = 0x1234;
  bool rd = true;
  bool edns = false;
  bool do_bit = false;
  std::uint16_t qclass = 1;
};

std::vector<std::uint8_t> make_query(const std::string& name, std::uint16_t qtype,
                                     const QueryOptions& options = {});

struct Reply {
  std::vector<std::uint8_t> raw;
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  int rcode = -1;
  int qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  std::string qname;                  // as echoed
  std::vector<std::string> addresses;  // A/AAAA of the answer section, as text
  std::vector<std::string> cnames;     // CNAME targets
  bool edns = false;
  bool do_bit = false;
  bool rd() const { return (flags & 0x0100) != 0; }
  bool ra() const { return (flags & 0x0080) != 0; }
  bool tc() const { return (flags & 0x0200) != 0; }
};

std::optional<Reply> decode_reply(const std::vector<std::uint8_t>& raw);

// One query over UDP; nullopt when nothing came back within `timeout`.
std::optional<Reply> udp_exchange(std::uint16_t port, const std::vector<std::uint8_t>& query,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

// A TCP connection to 127.0.0.1:port.
class TcpClient {
 public:
  explicit TcpClient(std::uint16_t port);
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;
  bool connected() const { return fd_ >= 0; }
  bool send(const std::vector<std::uint8_t>& message);          // framed here
  bool send_raw(const std::vector<std::uint8_t>& bytes);        // as is
  std::optional<Reply> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // True when the server closed the connection (EOF) within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

std::optional<Reply> tcp_exchange(std::uint16_t port, const std::vector<std::uint8_t>& query,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace defender::dnsproxy::testing

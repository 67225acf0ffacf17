// UpstreamPool: the idle keep-alive connections to the app, per worker thread (no locking).
// LIFO, bounded by upstream_pool_size; a connection the app closed while idle is noticed when
// taken (a non-blocking peek) and discarded. Owned by a Worker; used on its thread only.
#pragma once

#include <utility>  // before asio/awaitable.hpp (Boost 1.74 misses it)
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace defender::cnaf {

struct UpstreamConnection {
  explicit UpstreamConnection(const boost::asio::any_io_executor& ex) : socket(ex) {}
  boost::asio::ip::tcp::socket socket;
  bool reused = false;  // came from the pool (may have been closed by the app meanwhile)
};

// Sends the pieces to the app in one gather write; true when all of it went. Both front ends
// (HTTP/1 sessions, HTTP/2 streams) write to the app through this.
boost::asio::awaitable<bool> write_to_app(UpstreamConnection& connection, std::string_view a,
                                          std::string_view b = {}, std::string_view c = {},
                                          std::string_view d = {});

class UpstreamPool {
 public:
  explicit UpstreamPool(std::size_t max_idle) : max_idle_(max_idle) {}
  // A live idle connection, or null.
  std::unique_ptr<UpstreamConnection> take();
  // Keeps the connection for reuse (or closes it when the pool is full).
  void put(std::unique_ptr<UpstreamConnection> connection);
  void set_max_idle(std::size_t n);
  void clear() { idle_.clear(); }
  std::size_t idle() const { return idle_.size(); }

 private:
  std::size_t max_idle_;
  std::vector<std::unique_ptr<UpstreamConnection>> idle_;
};

}  // namespace defender::cnaf

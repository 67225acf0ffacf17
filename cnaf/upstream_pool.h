// UpstreamPool: the idle keep-alive connections to the app, per worker thread (no locking).
// LIFO, bounded by upstream_pool_size; a connection the app closed while idle is noticed when
// taken (a non-blocking peek) and discarded. Owned by a Worker; used on its thread only.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace defender::cnaf {

struct UpstreamConnection {
  explicit UpstreamConnection(const boost::asio::any_io_executor& ex) : socket(ex) {}
  boost::asio::ip::tcp::socket socket;
  bool reused = false;  // came from the pool (may have been closed by the app meanwhile)
};

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

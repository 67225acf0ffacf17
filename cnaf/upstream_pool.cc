#include "cnaf/upstream_pool.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace defender::cnaf {
namespace {

// True when the idle connection has neither data nor EOF waiting (the app did not close it).
bool still_idle(boost::asio::ip::tcp::socket& socket) {
  char c;
  const ssize_t n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

boost::asio::awaitable<bool> write_to_app(UpstreamConnection& connection, std::string_view a, std::string_view b,
                                          std::string_view c, std::string_view d) {
  namespace asio = boost::asio;
  const std::array<asio::const_buffer, 4> buffers{asio::buffer(a), asio::buffer(b), asio::buffer(c), asio::buffer(d)};
  boost::system::error_code ec;
  co_await asio::async_write(connection.socket, buffers, asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take() {
  while (!idle_.empty()) {
    std::unique_ptr<UpstreamConnection> c = std::move(idle_.back());
    idle_.pop_back();
    if (c->socket.is_open() && still_idle(c->socket)) {
      c->reused = true;
      return c;
    }
  }
  return nullptr;
}

void UpstreamPool::put(std::unique_ptr<UpstreamConnection> connection) {
  if (!connection || !connection->socket.is_open()) return;
  if (idle_.size() >= max_idle_) return;  // closed by the destructor
  idle_.push_back(std::move(connection));
}

void UpstreamPool::set_max_idle(std::size_t n) {
  max_idle_ = n;
  while (idle_.size() > max_idle_) idle_.erase(idle_.begin());
}

}  // namespace defender::cnaf

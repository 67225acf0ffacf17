#include "cnaf/http2_session.h"

#include "cnaf/http1_session.h"

namespace defender::cnaf {

template <class Stream>
boost::asio::awaitable<void> serve_http2(std::shared_ptr<Worker>, std::unique_ptr<Stream>, std::string,
                                         bool, std::string, const RequestHead*) {
  co_return;
}

template boost::asio::awaitable<void> serve_http2<TcpStream>(std::shared_ptr<Worker>, std::unique_ptr<TcpStream>,
                                                             std::string, bool, std::string, const RequestHead*);
template boost::asio::awaitable<void> serve_http2<TlsStream>(std::shared_ptr<Worker>, std::unique_ptr<TlsStream>,
                                                             std::string, bool, std::string, const RequestHead*);

}  // namespace defender::cnaf

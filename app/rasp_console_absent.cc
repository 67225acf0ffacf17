// The console link when console/ is not in the build: the seam says so.
#include "app/rasp_console.h"

namespace defender::app {

std::unique_ptr<ConsoleLink> start_console_link(boost::asio::io_context&, const ConsoleLinkOptions& options,
                                                ApplyPolicy, const core::Logger&, std::string* detail) {
  *detail = options.ws_address.empty() && options.install_bundle.empty()
                ? "WS_ADDRESS and INSTALL_BUNDLE are not set"
                : "the console client is not built into this binary";
  return nullptr;
}

}  // namespace defender::app

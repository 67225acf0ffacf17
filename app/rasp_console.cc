// The console link of `defender rasp`: defender_console_client behind app::ConsoleLink.
#include "app/rasp_console.h"

#include <stdexcept>
#include <utility>

#include "console/client/console_client.h"
#include "console/client/install_bundle.h"
#include "supervisor/controls.h"

namespace defender::app {
namespace {

class ClientLink final : public ConsoleLink {
 public:
  ClientLink(boost::asio::io_context& io, console::ConsoleClient::Options options, ApplyPolicy apply,
             const core::Logger& log)
      : client_(io, std::move(options), std::move(apply), log) {}
  void start() { client_.start(); }
  core::EventSink& events() override { return client_.events(); }
  void stop(std::chrono::milliseconds timeout) override { client_.stop_and_wait(timeout); }
  void write_metrics(std::string& out) const override {
    const console::ConsoleClient::Stats s = client_.stats();
    out += "# TYPE defender_console_connected gauge\ndefender_console_connected " +
           std::string(s.connected ? "1" : "0") + "\n";
    supervisor::append_counter(out, "defender_console_connects_total", s.connects);
    supervisor::append_counter(out, "defender_console_events_sent_total", s.events_sent,
                               "events the console acknowledged");
    supervisor::append_counter(out, "defender_console_events_spooled_total", s.events_spooled,
                               "events kept on disk while the console was unreachable");
    supervisor::append_counter(out, "defender_console_events_dropped_total", s.events_dropped);
    supervisor::append_counter(out, "defender_console_policies_applied_total", s.policies_applied);
    supervisor::append_counter(out, "defender_console_policies_refused_total", s.policies_refused);
  }

 private:
  console::ConsoleClient client_;
};

}  // namespace

std::unique_ptr<ConsoleLink> start_console_link(boost::asio::io_context& io, const ConsoleLinkOptions& options,
                                                ApplyPolicy apply_policy, const core::Logger& log,
                                                std::string* detail) {
  if (options.ws_address.empty() && options.install_bundle.empty()) {
    *detail = "WS_ADDRESS and INSTALL_BUNDLE are not set";
    return nullptr;
  }
  if (options.install_bundle.empty()) {
    *detail = "WS_ADDRESS is set but INSTALL_BUNDLE is not (it holds the console's CA and token)";
    return nullptr;
  }
  std::string why;
  const auto bundle = console::parse_install_bundle(options.install_bundle, why);
  if (!bundle) {
    *detail = why;
    return nullptr;
  }
  console::ConsoleClient::Options client;
  client.ws_address = options.ws_address;
  client.install_bundle = options.install_bundle;
  client.data_folder = options.data_folder;
  client.app_id = options.app_id;
  client.controls_json = options.controls_json;
  client.max_field_bytes = options.max_field_bytes;
  try {
    auto link = std::make_unique<ClientLink>(io, std::move(client), std::move(apply_policy), log);
    link->start();
    *detail = options.ws_address.empty() ? bundle->ws_address : options.ws_address;
    return link;
  } catch (const std::exception& e) {  // std::invalid_argument: the bundle or the address
    *detail = e.what();
    return nullptr;
  }
}

}  // namespace defender::app

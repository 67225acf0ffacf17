// The console link of `defender rasp` (WS_ADDRESS, INSTALL_BUNDLE): a defender_console_client
// on the controls' io_context whose policies go through the rasp's one reload path, and the
// event tee that sends every event to the local log and, once the link exists, the console.
//
// Behind a small interface so the binary builds without console/: rasp_console.cc is the
// real link, rasp_console_absent.cc the seam (chosen in app/CMakeLists.txt).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/events.h"
#include "core/log.h"

namespace defender::app {

class ConsoleLink {
 public:
  virtual ~ConsoleLink() = default;
  // Where events for the console go (thread-safe, never blocks on I/O).
  virtual core::EventSink& events() = 0;
  // Closes the connection; what is unsent is in the spool when it returns (or after
  // `timeout` when the io thread no longer runs). Not on the io thread.
  virtual void stop(std::chrono::milliseconds timeout) = 0;
  // Appends Prometheus text: connected, connects, events sent/spooled/dropped, policies
  // applied/refused. Any thread.
  virtual void write_metrics(std::string& out) const = 0;
};

struct ConsoleLinkOptions {
  std::string ws_address;      // WS_ADDRESS ("" takes the bundle's)
  std::string install_bundle;  // INSTALL_BUNDLE
  std::string data_folder;     // the spool of undelivered events lives here
  std::string app_id;
  std::string controls_json = "{}";  // the startup control report, sent when registering
  std::size_t max_field_bytes = 1024;
};

// Returns false with `error` when the defender refuses the policy (the old one stays).
using ApplyPolicy = std::function<bool(const std::string& policy_text, std::string* error)>;

// Starts the link (it connects in the background; nothing waits for it). nullptr with
// `detail` saying why when there is no link: neither variable set, WS_ADDRESS without
// INSTALL_BUNDLE, a bundle that cannot be used, or a build without the console client.
// On success `detail` names the console address.
std::unique_ptr<ConsoleLink> start_console_link(boost::asio::io_context& io, const ConsoleLinkOptions& options,
                                                ApplyPolicy apply_policy, const core::Logger& log,
                                                std::string* detail);

// Set once, from any thread, when the console's first policy has been applied; waited for
// by the startup when supervisor.console_wait_ms asks for it.
class FirstPolicy {
 public:
  void set() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      set_ = true;
    }
    cv_.notify_all();
  }
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return set_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool set_ = false;
};

// Every event to the local log; to a second sink too once one is attached (the console link,
// made after the controls that already emit). Thread-safe.
class EventTee final : public core::EventSink {
 public:
  explicit EventTee(core::EventSink& local) : local_(local) {}
  void attach(core::EventSink* second) noexcept { second_.store(second); }
  void emit(core::Event event) noexcept override {
    if (event.time_ms == 0) event.time_ms = core::now_unix_ms();  // one time for both copies
    if (core::EventSink* second = second_.load()) {
      try {
        second->emit(event);
      } catch (...) {  // a copy that cannot be made is one event less for the console
      }
    }
    local_.emit(std::move(event));
  }

 private:
  core::EventSink& local_;
  std::atomic<core::EventSink*> second_{nullptr};
};

}  // namespace defender::app

// ConsoleClient: a defender's link to its console (WS_ADDRESS, INSTALL_BUNDLE). It connects
// over WSS (the console's certificate checked against the bundle's CA), registers with the
// bundle's token, applies every policy the console sends through `apply_policy` (the same
// reload path as SIGHUP; a refusal is reported back and the old policy stays), and streams
// the events given to events(). While the console is unreachable it keeps them on disk in the
// data folder up to a bound, reconnects with exponential backoff, then sends the backlog;
// what overflows is counted and reported as a `system` event once connected.
//
// Never blocks its caller: start() returns at once and the app starts without waiting.
// Runs on the given io_context (on its own strand); events().emit() is thread-safe.
//
// In `defender rasp` (app/rasp_console.h): built on the controls' io_context when
// INSTALL_BUNDLE is set, apply_policy is the SIGHUP reload path (app/rasp_reload.h), and an
// EventTee sends every event to the local EventLog and to events().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/events.h"
#include "core/log.h"

namespace defender::console {

class ConsoleClient {
 public:
  struct Options {
    std::string ws_address;      // WS_ADDRESS; "" takes the bundle's
    std::string install_bundle;  // INSTALL_BUNDLE (base64); required
    std::string data_folder;     // the spool lives here (console_spool.jsonl)
    std::string app_id;
    std::string instance;        // "" is the host name
    std::string version = DEFENDER_VERSION;
    std::string controls_json = "{}";  // startup control report (a JSON object)
    std::size_t queue_capacity = 8192;  // events in memory waiting to be sent
    std::size_t max_spool_bytes = std::size_t{16} << 20;
    std::size_t batch_max = 500;        // events per message
    std::size_t max_field_bytes = 1024;
    std::size_t max_message_bytes = std::size_t{8} << 20;
    std::chrono::milliseconds backoff_initial{250};
    std::chrono::milliseconds backoff_max{30'000};
    std::chrono::milliseconds connect_timeout{10'000};  // TCP + TLS + WebSocket + register
    std::chrono::milliseconds ack_timeout{30'000};
    std::chrono::milliseconds retry_delay{200};         // after the console said "retry"
  };
  // Returns false and fills `error` when the defender refuses the policy.
  using ApplyPolicy = std::function<bool(const std::string& policy_text, std::string* error)>;

  struct Stats {
    bool connected = false;
    std::uint64_t connects = 0;
    std::uint64_t events_sent = 0;       // acknowledged by the console
    std::uint64_t events_spooled = 0;    // written to the disk buffer
    std::uint64_t events_dropped = 0;    // neither in memory nor on disk: lost, and reported
    std::uint64_t policies_applied = 0;
    std::uint64_t policies_refused = 0;
    std::int64_t policy_version = 0;     // last applied
    std::string last_error;              // why the last connection failed or ended
  };

  // Throws std::invalid_argument when the bundle or the address cannot be used.
  ConsoleClient(boost::asio::io_context& io, Options options, ApplyPolicy apply_policy,
                const core::Logger& log);
  ~ConsoleClient();  // stop()s; the io_context must still exist
  ConsoleClient(const ConsoleClient&) = delete;
  ConsoleClient& operator=(const ConsoleClient&) = delete;

  void start();
  // Closes the connection and keeps what is unsent in the spool. Thread-safe.
  void stop();
  // stop(), then waits until what was unsent is in the spool; false when that did not happen
  // within `timeout` (the io_context no longer runs). Never on the io_context's thread.
  bool stop_and_wait(std::chrono::milliseconds timeout);
  core::EventSink& events();
  Stats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace defender::console

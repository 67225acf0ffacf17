// Component: one in-process service that `defender rasp` runs beside the app (the DNS filter
// with its resolv.conf rewrite, the CNAF reverse proxy). Every component is built by the same
// recipe (a make_*_component factory), started on the main thread before the app is spawned,
// served by the Controls' io thread, stopped after the app and its tree are gone.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/events.h"
#include "core/log.h"
#include "policy/policy.h"
#include "supervisor/control_report.h"

namespace defender::supervisor {

struct ComponentContext {
  boost::asio::io_context& io;  // run by the Controls' one io thread
  std::shared_ptr<const policy::Policy> policy;
  core::EventSink& events;
  core::Logger log;
  std::string resolv_conf_path;  // the file the DNS component reads and rewrites
};

class Component {
 public:
  virtual ~Component() = default;
  virtual const char* name() const noexcept = 0;
  // Starts serving (io not yet running). Records its controls in `report`. false with
  // `error` when it could not start (the caller applies supervisor.on_control_failure).
  virtual bool start(ControlReport& report, std::string* error) = 0;
  // Stops serving and undoes what start changed (resolv.conf). Called after the io thread
  // stopped. Idempotent.
  virtual void stop() noexcept = 0;
  // A reload: serve by `policy` from now on; what start() sealed (listen addresses, upstreams,
  // TLS) stays. Any thread; only after a successful start().
  virtual void reload(std::shared_ptr<const policy::Policy> policy) = 0;
  // Appends Prometheus text lines (# TYPE and samples) of the component's counters.
  virtual void write_metrics(std::string& out) const = 0;
};

// Each factory exists in two files: the real one, and a seam used when the module is not in
// the build (it reports the control as missing and why).
std::unique_ptr<Component> make_dns_component(const ComponentContext& context);
std::unique_ptr<Component> make_cnaf_component(const ComponentContext& context);

}  // namespace defender::supervisor

// The supervisor's counters (exported as Prometheus metrics). Written by the supervisor's
// loop, read by the metrics thread: relaxed atomics, no other synchronisation needed.
#pragma once

#include <atomic>
#include <cstdint>

namespace defender::supervisor {

struct SupervisorStats {
  using Counter = std::atomic<std::uint64_t>;
  Counter exec_notifications{0};  // seccomp notifications received
  Counter execs_allowed{0};
  Counter execs_denied{0};        // refused with EACCES
  Counter execs_alerted{0};       // denied by policy, let through (action alert)
  Counter execs_unresolved{0};    // target could not be resolved (decided on the raw path)
  Counter execs_stale{0};         // the caller was gone before the answer
  Counter killed_after_exec{0};   // a denied binary found running and killed
  Counter rechecks_dropped{0};    // post-exec checks skipped: the queue was full
  Counter children_reaped{0};
  Counter signals_forwarded{0};
  Counter scans{0};
  Counter unsupervised_seen{0};   // processes found by the scan outside the app's tree
  Counter connector_events{0};
};

}  // namespace defender::supervisor

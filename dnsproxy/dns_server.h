// DnsServer: the DNS filter. Listens on UDP and TCP (RFC 7766: pipelined queries, answers in
// any order, idle timeout), decides every query name with the policy's domain matcher,
// answers denied names itself (prevent) or forwards them with an event (alert), forwards the
// rest to the upstreams (fresh random ids, answers matched by id, source and question,
// timeout -> next upstream -> SERVFAIL, TC -> TCP), checks CNAME chains of answers, learns
// the A/AAAA of allowed answers, and optionally caches.
//
// Threading: everything runs on the io_context given to the constructor, which must be run
// by ONE thread. reload(), stats() and learned() may be called from any thread; start() and
// stop() from the io thread or before/after it runs. After stop() the cancelled operations
// finish on the io_context; the server's state lives until they have (shared internally), so
// the DnsServer object itself may be destroyed right after stop(). `events` and `log` must
// outlive the io_context's run.
#pragma once

#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/events.h"
#include "core/log.h"
#include "dnsproxy/dns_stats.h"
#include "dnsproxy/endpoint.h"
#include "dnsproxy/learned_addresses.h"
#include "policy/policy.h"

namespace defender::dnsproxy {

class DnsServer {
 public:
  DnsServer(boost::asio::io_context& io, std::shared_ptr<const policy::Policy> policy,
            std::vector<Upstream> upstreams, core::EventSink& events, const core::Logger& log);
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Binds UDP and TCP on `listen` (port 0: a free port, the same for both) and starts
  // serving. Errors: address_in_use (port taken), permission_denied (port < 1024 unprivileged),
  // address_not_available, invalid_argument (no upstreams, or already started).
  std::error_code start(const Endpoint& listen);
  // The resolver's search list (resolv.conf `search`), before start(). A name that ends in one
  // of these suffixes is also judged without it: glibc tries `x.test.corp.example` after a
  // denied `x.test` got NXDOMAIN, and a wildcard record of corp.example would answer it. Only
  // when no rule names the whole name, and only an explicit deny rule of the stripped name
  // counts (a default deny of `db` must not refuse `db.corp.example`).
  void set_search_domains(std::vector<std::string> domains);
  // The bound address (valid after a successful start()).
  Endpoint local_endpoint() const;

  // Swaps the policy atomically for the queries that follow (the caller built it off the
  // serving path). Listen address, upstreams and sizes (cache, inflight, learned table) are
  // sealed at start. Any thread.
  void reload(std::shared_ptr<const policy::Policy> policy);

  // Closes the listeners and every connection, fails nothing more. Idempotent.
  void stop();

  const DnsStats& stats() const;
  // Names learned from allowed answers' A/AAAA records (for the connect policy). Any thread.
  const LearnedAddresses& learned() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace defender::dnsproxy

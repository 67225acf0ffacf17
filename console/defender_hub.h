// DefenderHub: the defenders connected right now, and the policy each one should run. The
// API tells it when a policy changes; it sends the new one to every connected defender of
// that app (for "default": to those whose app has no policy of its own). Thread-safe; owned
// by the console server; sessions attach on register and detach when they end.
//
// It also keeps every defender ever seen (loaded from the store once, then told of each
// change by the sessions), so that listing defenders is a copy from memory, not a query
// competing with event ingestion; the store is written behind (EventWriter::save_defender).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "console/store.h"

namespace defender::console {

// A connected defender, as the hub sees it. send() is thread-safe and never blocks.
class DefenderLink {
 public:
  virtual ~DefenderLink() = default;
  virtual void send(std::string message) = 0;
};

class DefenderHub {
 public:
  explicit DefenderHub(Store& store);  // loads the known defenders (throws StoreError)

  std::uint64_t attach(const std::string& app_id, const std::string& instance,
                       std::weak_ptr<DefenderLink> link);
  void detach(std::uint64_t id);

  // The app's own latest policy, else the latest "default" one.
  std::optional<PolicyRecord> policy_for(const std::string& app_id);
  void policy_changed(const PolicyRecord& record);

  std::set<std::pair<std::string, std::string>> live() const;  // (app id, instance)
  // The latest record of a defender (the sessions call it on every change).
  void remember(const DefenderRecord& record);
  // Every known defender, ordered by app id and instance.
  std::vector<DefenderRecord> defenders() const;
  // The defender list as the API gives it: one JSON object per known defender, rendered from
  // memory under one lock (`now_ms` is the last_seen of the connected ones).
  nlohmann::json render_defenders(std::int64_t now_ms) const;
  std::size_t live_count() const;

 private:
  struct Entry {
    std::string app_id;
    std::string instance;
    std::weak_ptr<DefenderLink> link;
  };
  Store& store_;
  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Entry> links_;
  struct Known {
    DefenderRecord record;
    nlohmann::json controls;  // record.controls_json, parsed once
    int links = 0;            // live connections of this app id and instance
  };
  Known& known(const DefenderRecord& record);  // under mutex_
  std::map<std::pair<std::string, std::string>, Known> known_;
};

}  // namespace defender::console

// DefenderHub: the defenders connected right now, and the policy each one should run. The
// API tells it when a policy changes; it sends the new one to every connected defender of
// that app (for "default": to those whose app has no policy of its own). Thread-safe; owned
// by the console server; sessions attach on register and detach when they end.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

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
  explicit DefenderHub(Store& store) : store_(store) {}

  std::uint64_t attach(const std::string& app_id, const std::string& instance,
                       std::weak_ptr<DefenderLink> link);
  void detach(std::uint64_t id);

  // The app's own latest policy, else the latest "default" one.
  std::optional<PolicyRecord> policy_for(const std::string& app_id);
  void policy_changed(const PolicyRecord& record);

  std::set<std::pair<std::string, std::string>> live() const;  // (app id, instance)
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
};

}  // namespace defender::console

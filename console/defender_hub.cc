#include "console/defender_hub.h"

#include <vector>

#include "console/channel_protocol.h"

namespace defender::console {

std::uint64_t DefenderHub::attach(const std::string& app_id, const std::string& instance,
                                  std::weak_ptr<DefenderLink> link) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  links_[id] = Entry{app_id, instance, std::move(link)};
  return id;
}

void DefenderHub::detach(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  links_.erase(id);
}

std::optional<PolicyRecord> DefenderHub::policy_for(const std::string& app_id) {
  if (auto own = store_.policy(app_id)) return own;
  return store_.policy(kDefaultAppId);
}

void DefenderHub::policy_changed(const PolicyRecord& record) {
  const bool is_default = record.app_id == kDefaultAppId;
  std::vector<std::pair<std::string, std::shared_ptr<DefenderLink>>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, entry] : links_) {
      if (entry.app_id != record.app_id && !is_default) continue;
      if (auto link = entry.link.lock()) targets.emplace_back(entry.app_id, std::move(link));
    }
  }
  const std::string message = policy_message(record);
  std::map<std::string, bool> has_own;  // for a default change: apps with their own policy keep it
  for (auto& [app_id, link] : targets) {
    if (is_default && app_id != kDefaultAppId) {
      auto [it, fresh] = has_own.try_emplace(app_id, false);
      if (fresh) it->second = store_.policy(app_id).has_value();
      if (it->second) continue;
    }
    link->send(message);
  }
}

std::set<std::pair<std::string, std::string>> DefenderHub::live() const {
  std::lock_guard lock(mutex_);
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& [id, entry] : links_) out.emplace(entry.app_id, entry.instance);
  return out;
}

std::size_t DefenderHub::live_count() const {
  std::lock_guard lock(mutex_);
  return links_.size();
}

}  // namespace defender::console

#include "console/defender_hub.h"

#include <vector>

#include "console/channel_protocol.h"
#include "core/events.h"

namespace defender::console {

DefenderHub::DefenderHub(Store& store) : store_(store) {
  for (const auto& record : store_.defenders()) known(record);
}

DefenderHub::Known& DefenderHub::known(const DefenderRecord& record) {
  Known& entry = known_[{record.app_id, record.instance}];
  if (entry.controls.is_null() || entry.record.controls_json != record.controls_json) {
    entry.controls = nlohmann::json::parse(record.controls_json, nullptr, false);
    if (!entry.controls.is_object()) entry.controls = nlohmann::json::object();
  }
  entry.record = record;
  return entry;
}

void DefenderHub::remember(const DefenderRecord& record) {
  std::lock_guard lock(mutex_);
  known(record);
}

std::vector<DefenderRecord> DefenderHub::defenders() const {
  std::lock_guard lock(mutex_);
  std::vector<DefenderRecord> out;
  out.reserve(known_.size());
  for (const auto& [key, entry] : known_) out.push_back(entry.record);
  return out;
}

nlohmann::json DefenderHub::render_defenders(std::int64_t now_ms) const {
  nlohmann::json out = nlohmann::json::array();
  std::lock_guard lock(mutex_);
  for (const auto& [key, entry] : known_) {
    const DefenderRecord& d = entry.record;
    const bool connected = entry.links > 0;
    out.push_back(nlohmann::json{{"app_id", d.app_id}, {"instance", d.instance}, {"version", d.version},
                                 {"address", d.address}, {"connected", connected},
                                 {"first_seen", core::format_rfc3339_ms(d.first_seen_ms)},
                                 {"last_seen", core::format_rfc3339_ms(connected ? now_ms : d.last_seen_ms)},
                                 {"controls", entry.controls}, {"policy_version", d.policy_version},
                                 {"policy_error", d.policy_error}});
  }
  return out;
}

std::uint64_t DefenderHub::attach(const std::string& app_id, const std::string& instance,
                                  std::weak_ptr<DefenderLink> link) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  links_[id] = Entry{app_id, instance, std::move(link)};
  Known& entry = known_[{app_id, instance}];
  if (entry.record.app_id.empty()) {  // attached before remember(): a bare record until then
    entry.record.app_id = app_id;
    entry.record.instance = instance;
    entry.controls = nlohmann::json::object();
  }
  ++entry.links;
  return id;
}

void DefenderHub::detach(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = links_.find(id);
  if (it == links_.end()) return;
  if (auto known = known_.find({it->second.app_id, it->second.instance}); known != known_.end()) --known->second.links;
  links_.erase(it);
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

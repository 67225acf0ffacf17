// What the console keeps: policies (versioned per app id, "default" for every app without
// its own), defenders, events and users. One interface so that a PostgreSQL backend can be
// added beside SqliteStore when one machine is outgrown. Implementations are thread-safe and
// blocking; failures of the backend throw StoreError (callers answer 500 and log it).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace defender::console {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr const char* kDefaultAppId = "default";

enum class Role { admin, defender_manager, auditor };
const char* role_name(Role role) noexcept;            // "admin", "defender-manager", "auditor"
std::optional<Role> parse_role(std::string_view text) noexcept;

struct PolicyRecord {
  std::string app_id;
  std::int64_t version = 0;  // 1, 2, ... per app id
  std::string text;          // as given (YAML or JSON), validated before storing
  std::int64_t created_ms = 0;
  std::string author;
};

struct DefenderRecord {
  std::string app_id;
  std::string instance;  // unique per running defender (host name, container id)
  std::string version;
  std::string address;   // peer address as the console saw it
  std::int64_t first_seen_ms = 0;
  std::int64_t last_seen_ms = 0;
  std::string controls_json = "{}";  // its startup control report
  std::int64_t policy_version = 0;   // last policy it applied
  std::string policy_error;          // why it refused the last one ("" when fine)
};

struct StoredEvent {
  std::int64_t id = 0;
  std::int64_t time_ms = 0;
  std::string app_id;
  std::string instance;
  std::string type;
  std::string action;
  std::string json;  // the event object as the defender sent it
};

struct EventQuery {
  std::string app_id;  // "" for any
  std::string type;
  std::string action;
  std::optional<std::int64_t> since_ms;  // inclusive
  std::optional<std::int64_t> until_ms;  // exclusive
  std::size_t limit = 100;
  std::size_t offset = 0;
};

struct UserRecord {
  std::string name;
  Role role = Role::auditor;
  std::string password_hash;
};

class Store {
 public:
  virtual ~Store() = default;

  virtual std::optional<PolicyRecord> policy(const std::string& app_id) = 0;  // latest
  virtual std::optional<PolicyRecord> policy_version(const std::string& app_id,
                                                     std::int64_t version) = 0;
  virtual PolicyRecord put_policy(const std::string& app_id, const std::string& text,
                                  const std::string& author) = 0;
  virtual std::vector<PolicyRecord> policies() = 0;  // the latest of each app id

  virtual void upsert_defender(const DefenderRecord& record) = 0;  // keeps first_seen
  virtual std::vector<DefenderRecord> defenders() = 0;

  virtual void add_events(const std::vector<StoredEvent>& events) = 0;  // one transaction
  virtual std::vector<StoredEvent> events(const EventQuery& query) = 0;  // newest first
  virtual std::int64_t event_count() = 0;

  virtual std::optional<UserRecord> user(const std::string& name) = 0;
  virtual void put_user(const UserRecord& user) = 0;
  virtual std::vector<UserRecord> users() = 0;

  virtual std::optional<std::string> setting(const std::string& key) = 0;
  virtual void put_setting(const std::string& key, const std::string& value) = 0;
};

}  // namespace defender::console

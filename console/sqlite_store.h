// Store on SQLite (WAL): one connection for writes and one for reads, each behind its own
// mutex, so that API reads do not wait for an event batch being written. Events beyond
// `max_events` are deleted oldest first as new ones arrive (retention bound).
#pragma once

#include <mutex>
#include <string>

#include "console/store.h"

struct sqlite3;

namespace defender::console {

class SqliteStore final : public Store {
 public:
  struct Options {
    std::string path;                   // the database file
    std::int64_t max_events = 5'000'000;  // retention bound
    std::size_t max_query_limit = 1000;
  };
  // Opens (creates) the database and its schema. Throws StoreError.
  explicit SqliteStore(Options options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::optional<PolicyRecord> policy(const std::string& app_id) override;
  std::optional<PolicyRecord> policy_version(const std::string& app_id, std::int64_t version) override;
  PolicyRecord put_policy(const std::string& app_id, const std::string& text,
                          const std::string& author) override;
  std::vector<PolicyRecord> policies() override;
  void upsert_defender(const DefenderRecord& record) override;
  std::vector<DefenderRecord> defenders() override;
  void add_events(const std::vector<StoredEvent>& events) override;
  std::vector<StoredEvent> events(const EventQuery& query) override;
  std::int64_t event_count() override;
  std::optional<UserRecord> user(const std::string& name) override;
  void put_user(const UserRecord& user) override;
  std::vector<UserRecord> users() override;
  std::optional<std::string> setting(const std::string& key) override;
  void put_setting(const std::string& key, const std::string& value) override;

 private:
  Options options_;
  std::mutex write_mutex_;
  sqlite3* write_db_ = nullptr;
  std::mutex read_mutex_;
  sqlite3* read_db_ = nullptr;
  std::int64_t inserted_since_trim_ = 0;
};

}  // namespace defender::console

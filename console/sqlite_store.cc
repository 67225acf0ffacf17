#include "console/sqlite_store.h"

#include <sqlite3.h>

#include <chrono>
#include <utility>

namespace defender::console {

const char* role_name(Role role) noexcept {
  switch (role) {
    case Role::admin: return "admin";
    case Role::defender_manager: return "defender-manager";
    case Role::auditor: return "auditor";
  }
  return "auditor";
}

std::optional<Role> parse_role(std::string_view text) noexcept {
  if (text == "admin") return Role::admin;
  if (text == "defender-manager") return Role::defender_manager;
  if (text == "auditor") return Role::auditor;
  return std::nullopt;
}

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw StoreError("sqlite: " + what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

// One prepared statement, finalized on scope exit. Binds are 1-based, in call order.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail(db, sql);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(const std::string& text) {
    check(sqlite3_bind_text(stmt_, ++index_, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind(std::int64_t value) {
    check(sqlite3_bind_int64(stmt_, ++index_, value));
    return *this;
  }
  // True while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, sqlite3_sql(stmt_));
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    index_ = 0;
  }
  std::string text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(db_, "bind");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int index_ = 0;
};

void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "error";
    sqlite3_free(message);
    throw StoreError(std::string("sqlite: ") + text + " in: " + sql);
  }
}

sqlite3* open_db(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw StoreError("sqlite: " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS policies (
  app_id TEXT NOT NULL, version INTEGER NOT NULL, text TEXT NOT NULL,
  created_ms INTEGER NOT NULL, author TEXT NOT NULL, PRIMARY KEY (app_id, version));
CREATE TABLE IF NOT EXISTS defenders (
  app_id TEXT NOT NULL, instance TEXT NOT NULL, version TEXT NOT NULL, address TEXT NOT NULL,
  first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, controls TEXT NOT NULL,
  policy_version INTEGER NOT NULL, policy_error TEXT NOT NULL, PRIMARY KEY (app_id, instance));
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, app_id TEXT NOT NULL, instance TEXT NOT NULL,
  type TEXT NOT NULL, action TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_time ON events (time_ms);
CREATE INDEX IF NOT EXISTS events_app_time ON events (app_id, time_ms);
CREATE INDEX IF NOT EXISTS events_type_time ON events (type, time_ms);
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";

PolicyRecord policy_row(const Statement& s) {
  return PolicyRecord{s.text(0), s.integer(1), s.text(2), s.integer(3), s.text(4)};
}

}  // namespace

SqliteStore::SqliteStore(Options options) : options_(std::move(options)) {
  write_db_ = open_db(options_.path);
  try {
    exec(write_db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    exec(write_db_, kSchema);
    read_db_ = open_db(options_.path);
  } catch (...) {
    sqlite3_close(write_db_);
    throw;
  }
}

SqliteStore::~SqliteStore() {
  sqlite3_close(read_db_);
  sqlite3_close(write_db_);
}

std::optional<PolicyRecord> SqliteStore::policy(const std::string& app_id) {
  std::lock_guard lock(read_mutex_);
  Statement s(read_db_,
              "SELECT app_id, version, text, created_ms, author FROM policies WHERE app_id = ? "
              "ORDER BY version DESC LIMIT 1");
  s.bind(app_id);
  if (!s.step()) return std::nullopt;
  return policy_row(s);
}

std::optional<PolicyRecord> SqliteStore::policy_version(const std::string& app_id,
                                                        std::int64_t version) {
  std::lock_guard lock(read_mutex_);
  Statement s(read_db_,
              "SELECT app_id, version, text, created_ms, author FROM policies "
              "WHERE app_id = ? AND version = ?");
  s.bind(app_id).bind(version);
  if (!s.step()) return std::nullopt;
  return policy_row(s);
}

PolicyRecord SqliteStore::put_policy(const std::string& app_id, const std::string& text,
                                     const std::string& author) {
  std::lock_guard lock(write_mutex_);
  exec(write_db_, "BEGIN IMMEDIATE");
  try {
    Statement last(write_db_, "SELECT COALESCE(MAX(version), 0) FROM policies WHERE app_id = ?");
    last.bind(app_id);
    last.step();
    PolicyRecord record{app_id, last.integer(0) + 1, text, now_ms(), author};
    Statement insert(write_db_, "INSERT INTO policies VALUES (?, ?, ?, ?, ?)");
    insert.bind(record.app_id).bind(record.version).bind(record.text).bind(record.created_ms)
        .bind(record.author);
    insert.step();
    exec(write_db_, "COMMIT");
    return record;
  } catch (...) {
    sqlite3_exec(write_db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<PolicyRecord> SqliteStore::policies() {
  std::lock_guard lock(read_mutex_);
  Statement s(read_db_,
              "SELECT p.app_id, p.version, p.text, p.created_ms, p.author FROM policies p "
              "JOIN (SELECT app_id, MAX(version) AS v FROM policies GROUP BY app_id) m "
              "ON p.app_id = m.app_id AND p.version = m.v ORDER BY p.app_id");
  std::vector<PolicyRecord> out;
  while (s.step()) out.push_back(policy_row(s));
  return out;
}

void SqliteStore::upsert_defender(const DefenderRecord& r) {
  std::lock_guard lock(write_mutex_);
  Statement s(write_db_,
              "INSERT INTO defenders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
              "ON CONFLICT (app_id, instance) DO UPDATE SET version = excluded.version, "
              "address = excluded.address, last_seen_ms = excluded.last_seen_ms, "
              "controls = excluded.controls, policy_version = excluded.policy_version, "
              "policy_error = excluded.policy_error");
  s.bind(r.app_id).bind(r.instance).bind(r.version).bind(r.address).bind(r.first_seen_ms)
      .bind(r.last_seen_ms).bind(r.controls_json).bind(r.policy_version).bind(r.policy_error);
  s.step();
}

std::vector<DefenderRecord> SqliteStore::defenders() {
  std::lock_guard lock(read_mutex_);
  Statement s(read_db_,
              "SELECT app_id, instance, version, address, first_seen_ms, last_seen_ms, controls, "
              "policy_version, policy_error FROM defenders ORDER BY app_id, instance");
  std::vector<DefenderRecord> out;
  while (s.step()) {
    out.push_back(DefenderRecord{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4),
                                 s.integer(5), s.text(6), s.integer(7), s.text(8)});
  }
  return out;
}

void SqliteStore::add_events(const std::vector<StoredEvent>& events) {
  if (events.empty()) return;
  std::lock_guard lock(write_mutex_);
  exec(write_db_, "BEGIN IMMEDIATE");
  try {
    Statement insert(write_db_,
                     "INSERT INTO events (time_ms, app_id, instance, type, action, json) "
                     "VALUES (?, ?, ?, ?, ?, ?)");
    for (const auto& e : events) {
      insert.bind(e.time_ms).bind(e.app_id).bind(e.instance).bind(e.type).bind(e.action).bind(e.json);
      insert.step();
      insert.reset();
    }
    inserted_since_trim_ += static_cast<std::int64_t>(events.size());
    // Retention: trim in steps of a tenth of the bound, not on every batch.
    if (inserted_since_trim_ >= std::max<std::int64_t>(1, options_.max_events / 10)) {
      inserted_since_trim_ = 0;
      Statement trim(write_db_, "DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?");
      trim.bind(options_.max_events);
      trim.step();
    }
    exec(write_db_, "COMMIT");
  } catch (...) {
    sqlite3_exec(write_db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<StoredEvent> SqliteStore::events(const EventQuery& q) {
  std::string sql = "SELECT id, time_ms, app_id, instance, type, action, json FROM events WHERE 1";
  if (!q.app_id.empty()) sql += " AND app_id = ?";
  if (!q.type.empty()) sql += " AND type = ?";
  if (!q.action.empty()) sql += " AND action = ?";
  if (q.since_ms) sql += " AND time_ms >= ?";
  if (q.until_ms) sql += " AND time_ms < ?";
  sql += " ORDER BY time_ms DESC, id DESC LIMIT ? OFFSET ?";
  std::lock_guard lock(read_mutex_);
  Statement s(read_db_, sql.c_str());
  if (!q.app_id.empty()) s.bind(q.app_id);
  if (!q.type.empty()) s.bind(q.type);
  if (!q.action.empty()) s.bind(q.action);
  if (q.since_ms) s.bind(*q.since_ms);
  if (q.until_ms) s.bind(*q.until_ms);
  s.bind(static_cast<std::int64_t>(std::min(q.limit, options_.max_query_limit)));
  s.bind(static_cast<std::int64_t>(q.offset));
  std::vector<StoredEvent> out;
  while (s.step()) {
    out.push_back(StoredEvent{s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4),
                              s.text(5), s.text(6)});
  }
  return out;
}

std::int64_t SqliteStore::event_count() {
  std::lock_guard lock(read_mutex_);
  Statement s(read_db_, "SELECT COUNT(*) FROM events");
  s.step();
  return s.integer(0);
}

std::optional<UserRecord> SqliteStore::user(const std::string& name) {
  std::lock_guard lock(read_mutex_);
  Statement s(read_db_, "SELECT name, role, password_hash FROM users WHERE name = ?");
  s.bind(name);
  if (!s.step()) return std::nullopt;
  return UserRecord{s.text(0), parse_role(s.text(1)).value_or(Role::auditor), s.text(2)};
}

void SqliteStore::put_user(const UserRecord& user) {
  std::lock_guard lock(write_mutex_);
  Statement s(write_db_,
              "INSERT INTO users VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
              "role = excluded.role, password_hash = excluded.password_hash");
  s.bind(user.name).bind(std::string(role_name(user.role))).bind(user.password_hash);
  s.step();
}

std::vector<UserRecord> SqliteStore::users() {
  std::lock_guard lock(read_mutex_);
  Statement s(read_db_, "SELECT name, role, password_hash FROM users ORDER BY name");
  std::vector<UserRecord> out;
  while (s.step()) {
    out.push_back(UserRecord{s.text(0), parse_role(s.text(1)).value_or(Role::auditor), s.text(2)});
  }
  return out;
}

std::optional<std::string> SqliteStore::setting(const std::string& key) {
  std::lock_guard lock(read_mutex_);
  Statement s(read_db_, "SELECT value FROM settings WHERE key = ?");
  s.bind(key);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void SqliteStore::put_setting(const std::string& key, const std::string& value) {
  std::lock_guard lock(write_mutex_);
  Statement s(write_db_,
              "INSERT INTO settings VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  s.bind(key).bind(value);
  s.step();
}

}  // namespace defender::console

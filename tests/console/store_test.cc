// SqliteStore: versioned policies, defenders, the events query and its retention bound,
// users and settings, and data that survives a reopen.
#include <gtest/gtest.h>

#include "console/sqlite_store.h"
#include "tests/support/test_support.h"

namespace defender::console {
namespace {

using defender::testing::TempDir;

StoredEvent event(std::int64_t time, const std::string& app, const std::string& type,
                  const std::string& action) {
  return StoredEvent{0, time, app, "i", type, action, "{\"t\":" + std::to_string(time) + "}"};
}

TEST(SqliteStore, PoliciesAreVersionedPerApp) {
  TempDir dir;
  SqliteStore store({dir.path() + "/c.db"});
  EXPECT_FALSE(store.policy("shop"));
  EXPECT_EQ(store.put_policy("shop", "a", "admin").version, 1);
  EXPECT_EQ(store.put_policy("shop", "b", "admin").version, 2);
  EXPECT_EQ(store.put_policy("default", "d", "admin").version, 1);
  EXPECT_EQ(store.policy("shop")->text, "b");
  EXPECT_EQ(store.policy_version("shop", 1)->text, "a");
  EXPECT_FALSE(store.policy_version("shop", 3));
  const auto all = store.policies();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].app_id, "default");
  EXPECT_EQ(all[1].version, 2);
}

TEST(SqliteStore, EventsAreFilteredPagedAndBounded) {
  TempDir dir;
  SqliteStore store({dir.path() + "/c.db", 100});
  std::vector<StoredEvent> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(event(1000 + i, i % 2 ? "shop" : "blog", i % 5 ? "dns" : "process", i % 3 ? "alert" : "prevent"));
  }
  store.add_events(batch);
  EventQuery q;
  q.limit = 1000;
  EXPECT_EQ(store.events(q).size(), 50u);
  q.app_id = "shop";
  EXPECT_EQ(store.events(q).size(), 25u);
  q.type = "process";
  EXPECT_EQ(store.events(q).size(), 5u);
  q = EventQuery{};
  q.since_ms = 1040;
  q.until_ms = 1045;
  const auto window = store.events(q);
  ASSERT_EQ(window.size(), 5u);
  EXPECT_EQ(window.front().time_ms, 1044);  // newest first
  q = EventQuery{};
  q.action = "prevent";
  q.limit = 3;
  q.offset = 2;
  EXPECT_EQ(store.events(q).size(), 3u);

  // Retention: at most 100 kept (trimmed in steps), the oldest go first.
  for (int round = 0; round < 10; ++round) {
    batch.clear();
    for (int i = 0; i < 50; ++i) batch.push_back(event(2000 + round * 50 + i, "shop", "dns", "alert"));
    store.add_events(batch);
  }
  EXPECT_LE(store.event_count(), 110);
  q = EventQuery{};
  q.limit = 1;
  EXPECT_EQ(store.events(q).front().time_ms, 2499);
}

TEST(SqliteStore, DefendersUsersAndSettingsSurviveReopen) {
  TempDir dir;
  {
    SqliteStore store({dir.path() + "/c.db"});
    store.upsert_defender(DefenderRecord{"shop", "i-1", "0.1", "10.0.0.1", 5, 6, "{}", 1, ""});
    store.upsert_defender(DefenderRecord{"shop", "i-1", "0.2", "10.0.0.1", 50, 60, "{}", 2, "bad"});
    store.put_user(UserRecord{"alice", Role::auditor, "h1"});
    store.put_user(UserRecord{"alice", Role::defender_manager, "h2"});
    store.put_setting("k", "v");
  }
  SqliteStore store({dir.path() + "/c.db"});
  const auto defenders = store.defenders();
  ASSERT_EQ(defenders.size(), 1u);
  EXPECT_EQ(defenders[0].first_seen_ms, 5);  // kept from the first sighting
  EXPECT_EQ(defenders[0].last_seen_ms, 60);
  EXPECT_EQ(defenders[0].version, "0.2");
  EXPECT_EQ(defenders[0].policy_error, "bad");
  EXPECT_EQ(store.user("alice")->role, Role::defender_manager);
  EXPECT_EQ(store.user("alice")->password_hash, "h2");
  EXPECT_FALSE(store.user("bob"));
  EXPECT_EQ(store.setting("k"), "v");
  EXPECT_FALSE(store.setting("other"));
  EXPECT_EQ(parse_role("defender-manager"), Role::defender_manager);
  EXPECT_FALSE(parse_role("root"));
}

TEST(SqliteStore, UnusablePathThrows) {
  EXPECT_THROW(SqliteStore({"/nonexistent-dir/x/c.db"}), StoreError);
}

}  // namespace
}  // namespace defender::console

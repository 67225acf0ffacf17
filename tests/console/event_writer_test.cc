// EventWriter: messages parsed off the caller's thread and stored (then their callback runs),
// rows pushed as parsed,
// defender records persisted, a full queue refusing whole pushes, everything queued written
// before it goes; DefenderHub's in-memory defender list.
#include <gtest/gtest.h>

#include <atomic>

#include "console/defender_hub.h"
#include "console/event_writer.h"
#include "console/sqlite_store.h"
#include "tests/support/test_support.h"

namespace defender::console {
namespace {

using defender::testing::TempDir;

std::string message(int seq, int events) {
  std::string text = R"({"type":"events","seq":)" + std::to_string(seq) + R"(,"events":[)";
  for (int i = 0; i < events; ++i) {
    text += std::string(i ? "," : "") + R"({"time":"2026-11-29T10:00:00.000Z","type":"dns","action":"prevent","n":)" +
            std::to_string(i) + "}";
  }
  return text + "]}";
}

TEST(EventWriter, StoresMessagesRowsAndDefendersBeforeItGoes) {
  TempDir dir;
  SqliteStore store({dir.path() + "/c.db"});
  std::atomic<int> acked{0};
  {
    EventWriter writer(store, EventWriter::Options{}, core::Logger(core::LogLevel::error));
    for (int seq = 1; seq <= 20; ++seq) {
      std::string text = message(seq, 50);
      ASSERT_TRUE(writer.try_push_message(text, "shop", "i-1", [&acked] { ++acked; }));
    }
    std::string garbled = R"({"type":"events","seq":21,"events":[{"a":}]})";
    ASSERT_TRUE(writer.try_push_message(garbled, "shop", "i-1"));  // taken, then found malformed
    std::vector<StoredEvent> rows{StoredEvent{0, 5, "shop", "i-2", "process", "alert", "{}"}};
    ASSERT_TRUE(writer.try_push(rows));
    EXPECT_TRUE(rows.empty());
    DefenderRecord record;
    record.app_id = "shop";
    record.instance = "i-1";
    record.policy_version = 3;
    writer.save_defender(record);
  }  // the destructor writes what is queued
  EXPECT_EQ(store.event_count(), 20 * 50 + 1);
  EXPECT_EQ(acked, 20);  // each message's callback, once written
  EventQuery query;
  query.type = "dns";
  query.limit = 1;
  const auto one = store.events(query);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].app_id, "shop");
  EXPECT_EQ(one[0].action, "prevent");
  const auto defenders = store.defenders();
  ASSERT_EQ(defenders.size(), 1u);
  EXPECT_EQ(defenders[0].policy_version, 3);
}

TEST(EventWriter, FullQueueRefusesWholePushes) {
  TempDir dir;
  SqliteStore store({dir.path() + "/c.db"});
  EventWriter::Options options;
  options.max_queue_bytes = 1;  // nothing fits
  EventWriter writer(store, options, core::Logger(core::LogLevel::error));
  std::string text = message(1, 3);
  const std::string copy = text;
  EXPECT_FALSE(writer.try_push_message(text, "shop", "i-1"));
  EXPECT_EQ(text, copy);  // left to the caller
  std::vector<StoredEvent> rows{StoredEvent{0, 5, "shop", "i-2", "process", "alert", "{}"}};
  EXPECT_FALSE(writer.try_push(rows));
  EXPECT_EQ(rows.size(), 1u);
  EXPECT_EQ(writer.stats().refused, 2u);
}

TEST(DefenderHub, ListsKnownDefendersFromMemory) {
  TempDir dir;
  SqliteStore store({dir.path() + "/c.db"});
  DefenderRecord saved;
  saved.app_id = "shop";
  saved.instance = "old";
  saved.controls_json = R"({"dns":"on"})";
  store.upsert_defender(saved);
  DefenderHub hub(store);  // loads what the store knows
  DefenderRecord fresh;
  fresh.app_id = "shop";
  fresh.instance = "new";
  fresh.controls_json = "not json";
  hub.remember(fresh);
  const auto id = hub.attach("shop", "new", {});
  auto list = hub.render_defenders(1000);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["instance"], "new");
  EXPECT_EQ(list[0]["connected"], true);
  EXPECT_EQ(list[0]["controls"], nlohmann::json::object());
  EXPECT_EQ(list[1]["instance"], "old");
  EXPECT_EQ(list[1]["connected"], false);
  EXPECT_EQ(list[1]["controls"]["dns"], "on");
  hub.detach(id);
  EXPECT_EQ(hub.render_defenders(1000)[0]["connected"], false);
}

}  // namespace
}  // namespace defender::console

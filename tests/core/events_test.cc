#include "core/events.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "tests/support/test_support.h"

namespace defender::core {
namespace {

using defender::testing::read_file;
using defender::testing::TempDir;
using nlohmann::json;

constexpr std::int64_t kTime = 1795942534123;  // 2026-11-29T08:55:34.123Z

Event sample() {
  Event e;
  e.type = "dns";
  e.action = "prevent";
  e.rule = "network.deny[1]";
  e.message = "blocked evil.example";
  e.time_ms = kTime;
  return e;
}

// Parses a rendered line; fails the test when it is not exactly one valid JSON object + '\n'.
json parse_line(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n') << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  return json::parse(line);  // throws (failing the test) on invalid JSON or UTF-8
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line + "\n");
  return out;
}

// ---- rendering ------------------------------------------------------------------------------

TEST(FormatEventLine, KeysInOrderAndFieldKinds) {
  Event e = sample();
  e.set("qname", std::string("evil.example")).set("qtype", std::int64_t{28});
  e.set("negative", std::int64_t{-9000000000}).set("truth", true).set("lie", false);
  const std::string line = format_event_line(e, "shop-frontend", 1024);
  EXPECT_EQ(line,
            "{\"time\":\"2026-11-29T08:55:34.123Z\",\"app_id\":\"shop-frontend\",\"type\":\"dns\","
            "\"action\":\"prevent\",\"rule\":\"network.deny[1]\",\"message\":\"blocked "
            "evil.example\",\"qname\":\"evil.example\",\"qtype\":28,\"negative\":-9000000000,"
            "\"truth\":true,\"lie\":false}\n");
  const json j = parse_line(line);
  EXPECT_EQ(j["qtype"], 28);
  EXPECT_EQ(j["truth"], true);
}

TEST(FormatEventLine, TimeIsRfc3339UtcWithMilliseconds) {
  Event e = sample();
  e.time_ms = 0;  // the epoch itself when rendering directly (emit() stamps 0 with now)
  EXPECT_THAT(format_event_line(e, "a", 100), ::testing::StartsWith(
                                                  "{\"time\":\"1970-01-01T00:00:00.000Z\""));
  e.time_ms = 1709210096007;  // a leap day
  EXPECT_THAT(format_event_line(e, "a", 100), ::testing::StartsWith(
                                                  "{\"time\":\"2024-02-29T12:34:56.007Z\""));
  EXPECT_EQ(format_rfc3339_ms(kTime), "2026-11-29T08:55:34.123Z");
  const std::string now = format_rfc3339_ms(now_unix_ms());
  EXPECT_THAT(now, ::testing::MatchesRegex(
                       "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"));
}

TEST(FormatEventLine, TimeAgreesWithGmtime) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const auto ms = static_cast<std::int64_t>(rng() % 253402300800000ULL);  // up to 9999-12-31
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char want[64];
    std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    ASSERT_EQ(format_rfc3339_ms(ms), want) << ms;
  }
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(951782400000), "2000-02-29T00:00:00.000Z");
}

TEST(FormatEventLine, EscapesEveryControlByteQuoteAndBackslash) {
  std::string all;
  for (int c = 0; c < 0x20; ++c) all += static_cast<char>(c);
  all += "\"\\/\x7f";
  Event e = sample();
  e.message = all;
  e.set(all, all);  // keys are escaped too
  const std::string line = format_event_line(e, all, 1024);
  for (char c : line.substr(0, line.size() - 1)) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control byte in " << line;
    EXPECT_NE(c, 0x7f);
  }
  EXPECT_NE(line.find("\\u0000\\u0001"), std::string::npos);
  EXPECT_NE(line.find("\\b\\t\\n\\u000b\\f\\r"), std::string::npos);
  EXPECT_NE(line.find("\\u001f\\\"\\\\/\\u007f"), std::string::npos);
  const json j = parse_line(line);
  EXPECT_EQ(j["message"], all);
  EXPECT_EQ(j["app_id"], all);
  EXPECT_EQ(j[all], all);
}

TEST(FormatEventLine, InvalidUtf8BecomesReplacementCharacters) {
  struct Case {
    std::string in;
    std::string out;
  };
  const std::string r = "\xEF\xBF\xBD";
  const std::vector<Case> cases = {
      {"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"},
      {"a\xFF" "b", "a" + r + "b"},
      {"\x80\xBF", r + r},                          // lone continuation bytes
      {"\xC0\xAF", r + r},                          // overlong '/'
      {"\xC3", r},                                  // truncated at the end
      {"\xC3" "a", r + "a"},                        // truncated before ASCII
      {"\xE2\x82", r},                              // one maximal subpart: one U+FFFD
      {"\xE0\x80\x80", r + r + r},                  // overlong 3-byte
      {"\xED\xA0\x80", r + r + r},                  // UTF-16 surrogate
      {"\xF4\x90\x80\x80", r + r + r + r},          // above U+10FFFF
      {"\xF0\x9F\x98", r},                          // truncated 4-byte
      {"\xF5\xF8\xFC\xFE", r + r + r + r},          // never valid leads
      {std::string("nul\0byte", 8), "nul\\u0000byte"},
  };
  for (const Case& c : cases) {
    Event e = sample();
    e.message = c.in;
    const std::string line = format_event_line(e, "a", 1024);
    EXPECT_NE(line.find("\"message\":\"" + c.out + "\""), std::string::npos) << line;
    parse_line(line);
  }
}

TEST(FormatEventLine, AnyBytesGiveValidJson) {
  std::mt19937_64 rng(2026);
  for (int round = 0; round < 3000; ++round) {
    auto random_bytes = [&] {
      std::string s(rng() % 300, '\0');
      // Bias towards UTF-8-looking bytes so valid multi-byte sequences also appear.
      for (char& c : s) {
        const auto v = static_cast<unsigned>(rng() % 4 == 0 ? rng() % 256 : 0x80 + rng() % 0x75);
        c = static_cast<char>(rng() % 3 == 0 ? rng() % 128 : v);
      }
      return s;
    };
    Event e;
    e.type = random_bytes();
    e.action = random_bytes();
    e.rule = random_bytes();
    e.message = random_bytes();
    e.time_ms = static_cast<std::int64_t>(rng() % 4102444800000ULL);
    e.set(random_bytes(), random_bytes()).set("match", random_bytes());
    const std::size_t max = 1 + rng() % 200;
    const std::string line = format_event_line(e, random_bytes(), max);
    json j;
    ASSERT_NO_THROW(j = parse_line(line)) << line;
    ASSERT_TRUE(j.is_object());
    for (const char* key : {"time", "app_id", "type", "action", "rule", "message"}) {
      ASSERT_TRUE(j.contains(key)) << line;
    }
  }
}

TEST(FormatEventLine, LongFieldsAreCutOnCharacterBoundaries) {
  Event e = sample();
  e.message = std::string(10, 'a');
  EXPECT_EQ(parse_line(format_event_line(e, "x", 10))["message"], "aaaaaaaaaa");  // fits
  EXPECT_EQ(parse_line(format_event_line(e, "x", 4))["message"], "aaaa\xE2\x80\xA6[cut 6 bytes]");

  // "é" is 2 bytes: with a limit of 5, "éé" (4 bytes) fits and a third would need 6.
  e.message = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";
  EXPECT_EQ(parse_line(format_event_line(e, "x", 5))["message"],
            "\xC3\xA9\xC3\xA9\xE2\x80\xA6[cut 4 bytes]");
  // a 4-byte character is never split
  e.message = "ab\xF0\x9F\x98\x80";
  EXPECT_EQ(parse_line(format_event_line(e, "x", 5))["message"], "ab\xE2\x80\xA6[cut 4 bytes]");

  // every string is cut: rule, app_id, fields; numbers are not
  Event big = sample();
  big.rule = std::string(3000, 'r');
  big.set("path", std::string(5000, 'p')).set("pid", std::int64_t{123456789});
  const json j = parse_line(format_event_line(big, std::string(2000, 'i'), 1024));
  EXPECT_EQ(j["rule"], std::string(1024, 'r') + "\xE2\x80\xA6[cut 1976 bytes]");
  EXPECT_EQ(j["app_id"], std::string(1024, 'i') + "\xE2\x80\xA6[cut 976 bytes]");
  EXPECT_EQ(j["path"], std::string(1024, 'p') + "\xE2\x80\xA6[cut 3976 bytes]");
  EXPECT_EQ(j["pid"], 123456789);
}

TEST(FormatEventLine, HttpMatchFieldCutAt128Bytes) {
  Event e = sample();
  e.type = "http";
  e.set("location", std::string("query:id")).set("match", std::string(500, 'm'));
  const json j = parse_line(format_event_line(e, "x", 1024));
  EXPECT_EQ(j["match"], std::string(128, 'm') + "\xE2\x80\xA6[cut 372 bytes]");
  EXPECT_EQ(j["location"], "query:id");
  // a smaller max_field_bytes still wins
  EXPECT_EQ(parse_line(format_event_line(e, "x", 10))["match"],
            std::string(10, 'm') + "\xE2\x80\xA6[cut 490 bytes]");
}

// ---- the writer -----------------------------------------------------------------------------

EventLog::Options options_for(const std::string& path, std::size_t capacity = 8192) {
  EventLog::Options o;
  o.path = path;
  o.app_id = "test-app";
  o.queue_capacity = capacity;
  return o;
}

TEST(EventLog, WritesLinesInOrderAndStampsTime) {
  TempDir dir;
  const std::string path = dir.path() + "/events.jsonl";
  const std::int64_t before = now_unix_ms();
  {
    EventLog log(options_for(path));
    for (int i = 0; i < 100; ++i) {
      Event e = sample();
      e.time_ms = 0;
      e.set("seq", std::int64_t{i});
      log.emit(std::move(e));
    }
    log.flush();
    EXPECT_EQ(log.stats().written, 100u);
    EXPECT_EQ(log.stats().dropped, 0u);
  }
  const auto lines = lines_of(read_file(path));
  ASSERT_EQ(lines.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    const json j = parse_line(lines[static_cast<std::size_t>(i)]);
    EXPECT_EQ(j["seq"], i);
    EXPECT_EQ(j["app_id"], "test-app");
    EXPECT_GE(j["time"].get<std::string>(), format_rfc3339_ms(before));
  }
}

TEST(EventLog, AppendsToAnExistingFile) {
  TempDir dir;
  const std::string path = dir.write("events.jsonl", "{\"old\":1}\n");
  {
    EventLog log(options_for(path));
    log.emit(sample());
  }  // the destructor drains
  const auto lines = lines_of(read_file(path));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "{\"old\":1}\n");
  EXPECT_EQ(parse_line(lines[1])["rule"], "network.deny[1]");
}

TEST(EventLog, OpenErrorNamesThePath) {
  TempDir dir;
  const std::string path = dir.path() + "/no/such/folder/events.jsonl";
  try {
    EventLog log(options_for(path));
    FAIL() << "opened " << path;
  } catch (const std::system_error& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
    EXPECT_EQ(error.code().value(), ENOENT);
  }
}

TEST(EventLog, ManyThreadsEveryLineWholeAndCounted) {
  TempDir dir;
  const std::string path = dir.path() + "/events.jsonl";
  constexpr int kThreads = 8;
  constexpr int kEach = 2000;
  EventLog::Stats stats;
  {
    EventLog log(options_for(path, 1024));  // small queue: drops are likely and legal
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        for (int i = 0; i < kEach; ++i) {
          Event e = sample();
          e.message = std::string(static_cast<std::size_t>(i % 300), 'x');  // varied lengths
          e.set("thread", std::int64_t{t}).set("seq", std::int64_t{i});
          log.emit(std::move(e));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    log.flush();
    stats = log.stats();
  }
  EXPECT_EQ(stats.written + stats.dropped, std::uint64_t{kThreads} * kEach);
  EXPECT_EQ(stats.write_errors, 0u);

  std::uint64_t events = 0, reported_drops = 0;
  std::map<std::int64_t, std::int64_t> last_seq;  // per thread: emitted order is kept
  for (const std::string& line : lines_of(read_file(path))) {
    const json j = parse_line(line);
    if (j["type"] == "system") {
      reported_drops += j["dropped"].get<std::uint64_t>();
      continue;
    }
    ++events;
    const auto thread = j["thread"].get<std::int64_t>();
    const auto seq = j["seq"].get<std::int64_t>();
    if (last_seq.count(thread)) {
      EXPECT_GT(seq, last_seq[thread]);
    }
    last_seq[thread] = seq;
  }
  EXPECT_EQ(events, stats.written);
  EXPECT_EQ(reported_drops, stats.dropped);
}

// The writer is stuck on a pipe nobody reads; the queue fills and events are dropped. Once the
// reader drains the pipe, the drops are reported as one system event.
TEST(EventLog, OverflowIsReportedAsASystemEvent) {
  TempDir dir;
  const std::string fifo = dir.path() + "/events.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);

  std::string received;
  auto drain = [&] {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(reader, buf, sizeof buf);
      if (n <= 0) return;
      received.append(buf, static_cast<std::size_t>(n));
    }
  };
  constexpr int kCapacity = 16;
  std::uint64_t emitted = 0;
  EventLog::Stats stats;
  {
    EventLog log(options_for(fifo, kCapacity));
    // Fill the pipe (64 KiB by default) and then the queue: with 1 KiB messages the writer
    // blocks after ~64 events, and the 16-slot queue overflows soon after. Bounded: stop at
    // the first drop, or after 100000 events.
    Event big = sample();
    big.message = std::string(1000, 'm');
    while (log.stats().dropped == 0 && emitted < 100000) {
      log.emit(big);
      ++emitted;
    }
    EXPECT_GT(log.stats().dropped, 0u);  // not ASSERT: the pipe must be drained below
    for (int i = 0; i < 50; ++i) {
      log.emit(big);  // more drops while the writer is stuck (the queue is still full)
      ++emitted;
    }
    // Unblock: read in a thread while flush() waits for the writer.
    std::atomic<bool> done{false};
    std::thread unblock([&] {
      while (!done) {
        drain();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    log.flush();
    stats = log.stats();
    done = true;
    unblock.join();
  }
  drain();
  ::close(reader);

  EXPECT_EQ(stats.written + stats.dropped, emitted);
  EXPECT_GE(stats.dropped, 50u);
  std::uint64_t events = 0, reported = 0;
  for (const std::string& line : lines_of(received)) {
    const json j = parse_line(line);
    if (j["type"] == "system") {
      EXPECT_EQ(j["action"], "info");
      EXPECT_EQ(j["app_id"], "test-app");
      EXPECT_EQ(j["message"], std::to_string(j["dropped"].get<std::uint64_t>()) +
                                  " events dropped (queue full)");
      reported += j["dropped"].get<std::uint64_t>();
    } else {
      ++events;
    }
  }
  EXPECT_EQ(events, stats.written);
  EXPECT_EQ(reported, stats.dropped);
}

TEST(EventLog, ReopenAfterRenameWritesToTheNewFile) {
  TempDir dir;
  const std::string path = dir.path() + "/events.jsonl";
  const std::string rotated = dir.path() + "/events.jsonl.1";
  EventLog log(options_for(path));
  Event first = sample();
  first.message = "before rotation";
  log.emit(first);
  log.flush();
  ASSERT_EQ(std::rename(path.c_str(), rotated.c_str()), 0);

  Event lost = sample();
  lost.message = "still to the old file";
  log.emit(lost);
  log.flush();  // without reopen() the writer keeps the renamed file
  log.reopen();
  Event second = sample();
  second.message = "after rotation";
  log.emit(second);
  log.flush();

  const auto old_lines = lines_of(read_file(rotated));
  ASSERT_EQ(old_lines.size(), 2u);
  EXPECT_EQ(parse_line(old_lines[0])["message"], "before rotation");
  EXPECT_EQ(parse_line(old_lines[1])["message"], "still to the old file");
  const auto new_lines = lines_of(read_file(path));
  ASSERT_EQ(new_lines.size(), 1u);
  EXPECT_EQ(parse_line(new_lines[0])["message"], "after rotation");
  EXPECT_EQ(log.stats().written, 3u);
}

TEST(EventLog, ReopenFailureKeepsThePreviousFileAndSaysSo) {
  TempDir dir;
  const std::string sub = dir.path() + "/logs";
  ASSERT_EQ(::mkdir(sub.c_str(), 0700), 0);
  const std::string path = sub + "/events.jsonl";
  const std::string moved = dir.path() + "/moved";
  EventLog log(options_for(path));
  ASSERT_EQ(std::rename(sub.c_str(), moved.c_str()), 0);  // the folder is gone
  log.reopen();
  log.emit(sample());
  log.flush();
  const auto lines = lines_of(read_file(moved + "/events.jsonl"));
  ASSERT_EQ(lines.size(), 2u);
  const json report = parse_line(lines[0]);
  EXPECT_EQ(report["type"], "system");
  EXPECT_THAT(report["message"].get<std::string>(), ::testing::HasSubstr("cannot reopen " + path));
  EXPECT_EQ(parse_line(lines[1])["type"], "dns");
  EXPECT_EQ(log.stats().write_errors, 1u);
}

TEST(EventLog, FlushWaitsForEverythingEmittedBefore) {
  TempDir dir;
  const std::string path = dir.path() + "/events.jsonl";
  EventLog log(options_for(path, 100000));
  for (int round = 1; round <= 5; ++round) {
    for (int i = 0; i < 1000; ++i) log.emit(sample());
    log.flush();
    EXPECT_EQ(lines_of(read_file(path)).size(), static_cast<std::size_t>(round) * 1000);
  }
  log.flush();  // nothing pending: returns at once
}

TEST(EventLog, StdoutIsFdOneAndStaysOpen) {
  // Redirect fd 1 to a file for the duration of the test.
  TempDir dir;
  const std::string path = dir.path() + "/stdout";
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(file, 0);
  ASSERT_EQ(::dup2(file, STDOUT_FILENO), STDOUT_FILENO);
  {
    EventLog log(options_for("-"));
    log.emit(sample());
    log.reopen();  // no-op for stdout
    log.emit(sample());
  }
  const bool still_open = ::fcntl(STDOUT_FILENO, F_GETFD) != -1;
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(file);
  EXPECT_TRUE(still_open);
  const auto lines = lines_of(read_file(path));
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& line : lines) EXPECT_EQ(parse_line(line)["type"], "dns");
}

TEST(EventLog, WriteErrorsAreCountedAndTheWriterGoesOn) {
  // /dev/full fails every write with ENOSPC.
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  EventLog log(options_for("/dev/full"));
  log.emit(sample());
  log.flush();
  log.emit(sample());
  log.flush();
  const auto stats = log.stats();
  EXPECT_EQ(stats.written, 0u);
  EXPECT_EQ(stats.write_errors, 2u);
}

TEST(EventLog, EventSinkInterface) {
  TempDir dir;
  const std::string path = dir.path() + "/events.jsonl";
  {
    EventLog log(options_for(path));
    EventSink& sink = log;
    sink.emit(sample());
  }
  EXPECT_EQ(lines_of(read_file(path)).size(), 1u);
}

}  // namespace
}  // namespace defender::core

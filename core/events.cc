// Events: the JSON-lines renderer and the EventLog writer thread.
//
// Rendering (format_event_line). Keys in order: time, app_id, type, action, rule, message,
// then the fields. Strings become valid JSON whatever their bytes: '"', '\' and every control
// byte (and DEL) are escaped; each maximal invalid UTF-8 subpart (Unicode 15, section 3.9)
// becomes one U+FFFD. A string value longer than its limit keeps the longest prefix of whole
// UTF-8 characters that fits in the limit (counted in input bytes), followed by the marker
//     "…[cut N bytes]"
// where N is the number of input bytes left out. The limit is max_field_bytes for every string
// value (app_id, type, action, rule, message and string fields) and min(128, max_field_bytes)
// for a field named "match" (SPEC.md: the http `match` field holds at most 128 bytes). Keys
// are escaped but never cut; numbers and booleans are written as they are.
//
// Writing (EventLog). emit() stamps the time, then under a short mutex moves the event into a
// preallocated ring (no allocation under the lock) or, when the ring is full, counts a drop.
// One writer thread takes up to kBatch events at a time, renders them outside the lock and
// writes whole lines with write(2), many per call. Drops are reported by the writer as a
// `system` event once it has taken events out (the queue has room again). reopen() and flush()
// are requests to the writer; the destructor drains, then joins.
#include "core/events.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>

namespace defender::core {

std::int64_t now_unix_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

// "2026-11-29T08:55:34.123Z" appended to `out`; civil-date arithmetic from <chrono>, with no
// locale or time-zone lock (gmtime_r takes one), since the writer renders every line's time.
void append_time(std::string& out, std::int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> point{milliseconds{unix_ms}};
  const sys_days day = floor<days>(point);
  const year_month_day date{day};
  const hh_mm_ss clock{point - day};
  const int year = static_cast<int>(date.year());
  const auto month = static_cast<unsigned>(date.month());
  const auto mday = static_cast<unsigned>(date.day());
  const auto hours = static_cast<unsigned>(clock.hours().count());
  const auto minutes = static_cast<unsigned>(clock.minutes().count());
  const auto seconds = static_cast<unsigned>(clock.seconds().count());
  const auto millis = static_cast<unsigned>(clock.subseconds().count());
  if (year < 0 || year > 9999) {  // nothing real; keep it readable anyway
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", year, month, mday,
                  hours, minutes, seconds, millis);
    out += buffer;
    return;
  }
  char text[] = "0000-00-00T00:00:00.000Z";
  auto put = [&](std::size_t at, unsigned value, std::size_t digits) {
    for (std::size_t k = digits; k > 0; --k, value /= 10) {
      text[at + k - 1] = static_cast<char>('0' + value % 10);
    }
  };
  put(0, static_cast<unsigned>(year), 4);
  put(5, month, 2);
  put(8, mday, 2);
  put(11, hours, 2);
  put(14, minutes, 2);
  put(17, seconds, 2);
  put(20, millis, 3);
  out.append(text, sizeof text - 1);
}

}  // namespace

std::string format_rfc3339_ms(std::int64_t unix_ms) {
  std::string out;
  append_time(out, unix_ms);
  return out;
}

namespace {

constexpr std::size_t kMatchFieldBytes = 128;
constexpr std::size_t kBatch = 1024;            // events taken from the queue at a time
constexpr std::size_t kWriteChunk = 64 * 1024;  // bytes rendered before a write(2)
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence at s[i] (1-4), or 0 when ill-formed; `bad` then
// receives the length of the maximal subpart to replace with one U+FFFD (at least 1).
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::size_t& bad) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    if (lead == 0xE0) lo = 0xA0;  // no overlongs
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    if (lead == 0xF0) lo = 0x90;  // no overlongs
    if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    bad = 1;
    return 0;
  }
  for (std::size_t k = 1; k <= need; ++k) {
    const bool ok = i + k < s.size() && byte(k) >= (k == 1 ? lo : 0x80) &&
                    byte(k) <= (k == 1 ? hi : 0xBF);
    if (!ok) {
      bad = k;
      return 0;
    }
  }
  return need + 1;
}

constexpr bool plain(char c) noexcept {
  return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

void append_escaped_byte(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (c < 0x20 || c == 0x7F) {
    out += "\\u00";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  } else {
    out += static_cast<char>(c);
  }
}

// `value` as a JSON string, cut to `limit` input bytes on a character boundary.
void append_string(std::string& out, std::string_view value, std::size_t limit) {
  out += '"';
  const std::size_t fit = std::min(value.size(), limit);
  std::size_t i = 0;
  while (i < value.size()) {
    std::size_t run = i;  // the common case: a run of ASCII that needs no escaping
    while (run < fit && plain(value[run])) ++run;
    if (run > i) {
      out.append(value.data() + i, run - i);
      i = run;
      continue;
    }
    std::size_t bad = 0;
    const std::size_t len = utf8_sequence(value, i, bad);
    const std::size_t step = len != 0 ? len : bad;
    if (i + step > limit) break;
    if (len == 1) {
      append_escaped_byte(out, static_cast<unsigned char>(value[i]));
    } else if (len != 0) {
      out.append(value.data() + i, len);
    } else {
      out += kReplacement;
    }
    i += step;
  }
  if (i < value.size()) {
    out += "\xE2\x80\xA6[cut ";  // "…"
    out += std::to_string(value.size() - i);
    out += " bytes]";
  }
  out += '"';
}

// Keys come from code, not from traffic: escaped like values but never cut.
void append_key(std::string& out, std::string_view key) {
  out += ',';
  append_string(out, key, key.size());
  out += ':';
}

void append_event(std::string& out, const Event& event, const std::string& app_id,
                  std::size_t max) {
  out += "{\"time\":\"";
  append_time(out, event.time_ms);
  out += '"';
  append_key(out, "app_id");
  append_string(out, app_id, max);
  append_key(out, "type");
  append_string(out, event.type, max);
  append_key(out, "action");
  append_string(out, event.action, max);
  append_key(out, "rule");
  append_string(out, event.rule, max);
  append_key(out, "message");
  append_string(out, event.message, max);
  for (const auto& [key, value] : event.fields) {
    append_key(out, key);
    if (const auto* text = std::get_if<std::string>(&value)) {
      append_string(out, *text, key == "match" ? std::min(max, kMatchFieldBytes) : max);
    } else if (const auto* number = std::get_if<std::int64_t>(&value)) {
      out += std::to_string(*number);
    } else {
      out += std::get<bool>(value) ? "true" : "false";
    }
  }
  out += "}\n";
}

int open_log(const std::string& path) {
  if (path == "-") return STDOUT_FILENO;
  int fd;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// Writes all of `data`; false (errno set) on an error other than EINTR.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};  // a non-blocking stdout: wait until it takes more
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return false;
    } else {
      if (n == 0) errno = EIO;
      return false;
    }
  }
  return true;
}

}  // namespace

std::string format_event_line(const Event& event, const std::string& app_id,
                              std::size_t max_field_bytes) {
  std::string out;
  out.reserve(256);
  append_event(out, event, app_id, max_field_bytes);
  return out;
}

// ---------------------------------------------------------------------------------------------

struct EventLog::Impl {
  Options options;
  int fd = -1;  // the writer's; STDOUT_FILENO for "-" (never closed)

  mutable std::mutex mutex;
  std::condition_variable wake;      // the writer waits for work
  std::condition_variable progress;  // flush() waits for the writer
  std::vector<Event> ring;           // capacity slots, preallocated
  std::size_t head = 0;
  std::size_t count = 0;
  std::uint64_t accepted = 0;  // events queued so far
  std::uint64_t done = 0;      // events the writer finished with (written or lost to errors)
  std::uint64_t unreported_drops = 0;
  std::uint64_t handled_drops = 0;  // drops the writer has reported (or failed to)
  bool reopen_requested = false;
  bool stopping = false;
  Stats stats;

  std::thread writer;

  void run() noexcept;
  void reopen_now(std::string& buffer);
  // Writes `buffer` (whole lines) and clears it; returns whether it was written.
  bool write_buffer(std::string& buffer);
};

EventLog::EventLog(Options options) : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.options = std::move(options);
  d.options.queue_capacity = std::max<std::size_t>(d.options.queue_capacity, 1);
  d.fd = open_log(d.options.path);
  if (d.fd < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot open event log " + d.options.path);
  }
  try {
    d.ring.resize(d.options.queue_capacity);
    d.writer = std::thread([&d] { d.run(); });
  } catch (...) {
    if (d.fd != STDOUT_FILENO) ::close(d.fd);
    throw;
  }
}

EventLog::~EventLog() {
  Impl& d = *impl_;
  {
    std::lock_guard lock(d.mutex);
    d.stopping = true;
  }
  d.wake.notify_all();
  d.writer.join();
  if (d.fd != STDOUT_FILENO) ::close(d.fd);
}

void EventLog::emit(Event event) noexcept {
  Impl& d = *impl_;
  if (event.time_ms == 0) event.time_ms = now_unix_ms();
  {
    std::lock_guard lock(d.mutex);
    if (d.count == d.ring.size() || d.stopping) {
      ++d.stats.dropped;
      ++d.unreported_drops;
      return;
    }
    // Move-assigning into a moved-from slot neither allocates nor frees.
    d.ring[(d.head + d.count) % d.ring.size()] = std::move(event);
    ++d.count;
    ++d.accepted;
  }
  d.wake.notify_one();
}

void EventLog::reopen() noexcept {
  Impl& d = *impl_;
  {
    std::lock_guard lock(d.mutex);
    d.reopen_requested = true;
  }
  d.wake.notify_one();
}

void EventLog::flush() noexcept {
  Impl& d = *impl_;
  std::unique_lock lock(d.mutex);
  const std::uint64_t target = d.accepted;
  const std::uint64_t target_drops = d.stats.dropped;  // their report is written too
  d.wake.notify_one();
  d.progress.wait(lock,
                  [&] { return d.done >= target && d.handled_drops >= target_drops; });
}

EventLog::Stats EventLog::stats() const noexcept {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

void EventLog::Impl::run() noexcept {
  // Signals are for the threads that handle them; a write to a closed pipe gives EPIPE here.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);

  std::vector<Event> batch;
  std::string buffer;
  try {
    batch.reserve(std::min(kBatch, ring.size()));
    buffer.reserve(kWriteChunk + 16 * 1024);
  } catch (...) {
    // Without memory the loop below still works, only slower.
  }
  for (;;) {
    bool reopen = false;
    std::uint64_t drops = 0;
    {
      std::unique_lock lock(mutex);
      wake.wait(lock, [&] {
        return count > 0 || reopen_requested || unreported_drops > 0 || stopping;
      });
      const std::size_t take = std::min(count, kBatch);
      try {
        for (std::size_t k = 0; k < take; ++k) {
          batch.push_back(std::move(ring[(head + k) % ring.size()]));
        }
      } catch (...) {
        // Not reached: the batch was reserved. Whatever did not move is counted as done below.
      }
      head = (head + take) % ring.size();
      count -= take;
      reopen = std::exchange(reopen_requested, false);
      drops = std::exchange(unreported_drops, 0);
      if (take == 0 && !reopen && drops == 0 && stopping) break;
      // Lost events (see the catch above) still count as done, or flush() would wait forever.
      done += take - batch.size();
    }

    if (reopen) reopen_now(buffer);
    std::uint64_t written = 0;
    std::size_t pending = 0;  // events rendered into buffer, not written yet
    for (const Event& event : batch) {
      try {
        append_event(buffer, event, options.app_id, options.max_field_bytes);
        ++pending;
      } catch (...) {
        std::lock_guard lock(mutex);
        ++stats.write_errors;  // out of memory rendering it: the event is lost
      }
      if (buffer.size() >= kWriteChunk) {
        if (write_buffer(buffer)) written += pending;
        pending = 0;
      }
    }
    if (drops > 0) {
      try {
        Event report;
        report.type = "system";
        report.action = "info";
        report.message = std::to_string(drops) + " events dropped (queue full)";
        report.time_ms = now_unix_ms();
        report.set("dropped", static_cast<std::int64_t>(drops));
        append_event(buffer, report, options.app_id, options.max_field_bytes);
      } catch (...) {
        // Out of memory: the count stays in stats().dropped.
      }
    }
    if (!buffer.empty() && write_buffer(buffer)) written += pending;

    {
      std::lock_guard lock(mutex);
      stats.written += written;
      done += batch.size();
      handled_drops += drops;
    }
    progress.notify_all();
    batch.clear();  // frees the events' strings outside the lock
  }
}

void EventLog::Impl::reopen_now(std::string& buffer) {
  if (options.path == "-") return;
  const int fresh = open_log(options.path);
  if (fresh < 0) {
    const int error = errno;
    {
      std::lock_guard lock(mutex);
      ++stats.write_errors;
    }
    // Keep writing to the file we have, and say so in it.
    try {
      Event report;
      report.type = "system";
      report.action = "info";
      report.message = "cannot reopen " + options.path + ": " + std::strerror(error) +
                       "; still writing to the previous file";
      report.time_ms = now_unix_ms();
      append_event(buffer, report, options.app_id, options.max_field_bytes);
    } catch (...) {
    }
    return;
  }
  ::close(fd);
  fd = fresh;
}

bool EventLog::Impl::write_buffer(std::string& buffer) {
  const bool ok = write_all(fd, buffer);
  buffer.clear();
  if (!ok) {
    std::lock_guard lock(mutex);
    ++stats.write_errors;
  }
  return ok;
}

}  // namespace defender::core

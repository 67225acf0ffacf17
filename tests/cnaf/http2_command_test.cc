// `defender cnaf` over HTTP/2, end to end: curl (h2c by prior knowledge and by Upgrade, h2 over
// TLS by ALPN), h2load for many concurrent streams, and hand-made frames on a raw socket for
// RST_STREAM, GOAWAY and misbehaving clients. The app behind is tests/cnaf/backend.py, which
// only speaks HTTP/1.1: every stream reaches it as an HTTP/1.1 request. Only loopback.
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/cnaf/cnaf_test_support.h"
#include "tests/support/test_support.h"

namespace defender::cnaf {
namespace {

using namespace std::chrono_literals;
using test::Backend;
using test::Cnaf;
using test::curl;
using test::header_of;
using test::RawClient;
using test::status_of_response;
using test::TestPki;

const std::string kPolicy =
    "version: 1\ncnaf:\n  limits:\n    upstream_timeout_ms: 700\n    header_timeout_ms: 700\n"
    "    max_header_bytes: 4096\n    max_body_bytes: 300000000\n    drain_timeout_ms: 5000\n"
    "    http2_max_streams: 8\nevents:\n  file: events.jsonl\n";

// --- hand-made frames -------------------------------------------------------------------------

constexpr std::uint8_t kData = 0, kHeaders = 1, kRstStream = 3, kSettings = 4, kPing = 6, kGoaway = 7;
constexpr std::uint8_t kEndStream = 0x1, kEndHeaders = 0x4, kAck = 0x1;

std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const std::string& payload) {
  std::string f;
  const std::size_t n = payload.size();
  f.push_back(static_cast<char>(n >> 16));
  f.push_back(static_cast<char>(n >> 8));
  f.push_back(static_cast<char>(n));
  f.push_back(static_cast<char>(type));
  f.push_back(static_cast<char>(flags));
  for (int shift = 24; shift >= 0; shift -= 8) f.push_back(static_cast<char>((stream >> shift) & 0x7f));
  return f + payload;
}

// HPACK: a literal header field without indexing, new name (RFC 7541 6.2.2), short strings.
std::string literal(const std::string& name, const std::string& value) {
  return std::string(1, '\0') + static_cast<char>(name.size()) + name + static_cast<char>(value.size()) + value;
}

// GET `path` (":method: GET" and ":scheme: http" from the static table).
std::string get_block(const std::string& path) {
  return std::string("\x82\x86", 2) + literal(":path", path) + literal(":authority", "t");
}

std::string preface() { return "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(kSettings, 0, 0, ""); }

struct Frame {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::uint32_t stream = 0;
  std::string payload;
};

std::vector<Frame> frames_of(const std::string& bytes) {
  std::vector<Frame> out;
  std::size_t at = 0;
  while (at + 9 <= bytes.size()) {
    const auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[at + i]); };
    const std::size_t len = (std::size_t{b(0)} << 16) | (std::size_t{b(1)} << 8) | b(2);
    if (at + 9 + len > bytes.size()) break;
    Frame f;
    f.type = b(3);
    f.flags = b(4);
    f.stream = (std::uint32_t{b(5)} & 0x7f) << 24 | std::uint32_t{b(6)} << 16 | std::uint32_t{b(7)} << 8 | b(8);
    f.payload = bytes.substr(at + 9, len);
    out.push_back(std::move(f));
    at += 9 + len;
  }
  return out;
}

const Frame* find_frame(const std::vector<Frame>& frames, std::uint8_t type, std::uint32_t stream) {
  for (const Frame& f : frames) {
    if (f.type == type && f.stream == stream) return &f;
  }
  return nullptr;
}

// Reads frames until one of `type` on `stream` arrives (or `timeout`); everything read so far.
std::vector<Frame> read_until(RawClient& client, std::string& got, std::uint8_t type, std::uint32_t stream,
                              std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    got += client.read(100ms);
    const auto frames = frames_of(got);
    if (find_frame(frames, type, stream) != nullptr) return frames;
  }
  return frames_of(got);
}

std::uint32_t u32(const std::string& s, std::size_t at) {
  return std::uint32_t{static_cast<std::uint8_t>(s[at])} << 24 | std::uint32_t{static_cast<std::uint8_t>(s[at + 1])} << 16 |
         std::uint32_t{static_cast<std::uint8_t>(s[at + 2])} << 8 | static_cast<std::uint8_t>(s[at + 3]);
}

// --- tests ------------------------------------------------------------------------------------

class Http2Command : public ::testing::Test {
 protected:
  Backend backend;
};

TEST_F(Http2Command, PriorKnowledgeReachesTheAppAsHttp11) {
  Cnaf cnaf(backend.address(), kPolicy);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  const auto r = curl({"--http2-prior-knowledge", "-D", "-", "-H", "Cookie: a=1", "-H", "Cookie: b=2",
                       cnaf.url("/echo?q=1")});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("HTTP/2 200", 0), 0u) << r.out;
  const std::string rid = header_of(r.out, "x-request-id");
  ASSERT_EQ(rid.size(), 32u) << r.out;
  const auto json = nlohmann::json::parse(test::body_of(r.out));
  EXPECT_EQ(json["version"], "HTTP/1.1");
  EXPECT_EQ(json["path"], "/echo?q=1");
  std::map<std::string, std::string> seen;
  for (const auto& h : json["headers"]) seen[h[0].get<std::string>()] = h[1].get<std::string>();
  EXPECT_EQ(seen["host"], "127.0.0.1:" + std::to_string(cnaf.port()));  // from :authority
  EXPECT_EQ(seen["cookie"], "a=1; b=2");  // HTTP/2 cookie crumbs joined for HTTP/1.1
  EXPECT_EQ(seen["X-Forwarded-For"], "127.0.0.1");
  EXPECT_EQ(seen["X-Forwarded-Proto"], "http");
  EXPECT_EQ(seen["X-Request-Id"], rid);
}

TEST_F(Http2Command, UpgradeFromHttp11) {
  Cnaf cnaf(backend.address(), kPolicy);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  // curl --http2 on http:// asks for Upgrade: h2c; the request becomes stream 1.
  const auto r = curl({"--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", cnaf.url("/echo")});
  EXPECT_EQ(r.out, "2 200") << r.err;
  // A HEAD upgraded keeps its meaning.
  const auto r2 = curl({"--http2", "-I", cnaf.url("/big?bytes=1000")});
  const std::string head = r2.out.substr(std::min(r2.out.find("HTTP/2"), r2.out.size()));  // after the 101
  EXPECT_EQ(status_of_response(head), 200) << r2.out;
  EXPECT_EQ(header_of(head, "content-length"), "1000") << r2.out;
  // --no-http2 turns it off: the same request is answered in HTTP/1.1.
  Cnaf plain(backend.address(), kPolicy, {"--no-http2"});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(curl({"--http2", "-o", "/dev/null", "-w", "%{http_version}", plain.url("/echo")}).out, "1.1");
}

TEST_F(Http2Command, H2OverTlsChosenByAlpn) {
  TestPki pki;
  Cnaf cnaf(backend.address(), kPolicy, {"--tls-cert", pki.cert, "--tls-key", pki.key});
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  const std::string url = "https://localhost:" + std::to_string(cnaf.port());
  const std::string resolve = "localhost:" + std::to_string(cnaf.port()) + ":127.0.0.1";
  auto r = curl({"--cacert", pki.ca, "--resolve", resolve, "-D", "-", url + "/echo"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("HTTP/2 200", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("[\"X-Forwarded-Proto\", \"https\"]"), std::string::npos) << r.out;
  r = curl({"--http1.1", "--cacert", pki.ca, "--resolve", resolve, "-o", "/dev/null", "-w", "%{http_version}", url + "/echo"});
  EXPECT_EQ(r.out, "1.1");
  // nghttp (nghttp2's own client) over TLS: several streams on one connection.
  r = testing::run({"nghttp", "-n", "-s", url.substr(0, 8) + "127.0.0.1:" + std::to_string(cnaf.port()) + "/echo",
                    "https://127.0.0.1:" + std::to_string(cnaf.port()) + "/big?bytes=100000"},
                   30s);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("/big?bytes=100000"), std::string::npos) << r.out;
}

TEST_F(Http2Command, ManyConcurrentStreamsWithinTheAdvertisedLimit) {
  Cnaf cnaf(backend.address(), kPolicy);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  // The server's SETTINGS carry http2_max_streams.
  RawClient client(cnaf.port());
  ASSERT_TRUE(client.send(preface()));
  std::string got;
  auto frames = read_until(client, got, kSettings, 0, 3s);
  const Frame* settings = find_frame(frames, kSettings, 0);
  ASSERT_NE(settings, nullptr);
  std::map<int, std::uint32_t> values;
  for (std::size_t i = 0; i + 6 <= settings->payload.size(); i += 6) {
    values[static_cast<std::uint8_t>(settings->payload[i]) << 8 | static_cast<std::uint8_t>(settings->payload[i + 1])] =
        u32(settings->payload, i + 2);
  }
  EXPECT_EQ(values[3], 8u);  // SETTINGS_MAX_CONCURRENT_STREAMS
  // h2load keeping to the limit: every request succeeds. (Streams opened beyond it before the
  // client has seen SETTINGS are refused with REFUSED_STREAM, which h2load does not retry.)
  auto r = testing::run({"h2load", "-n", "400", "-c", "2", "-m", "8", cnaf.url("/echo")}, 60s);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("400 succeeded, 0 failed, 0 errored"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("status codes: 400 2xx"), std::string::npos) << r.out;
  // The default limit (100): 100 streams at a time on each of 2 connections.
  Cnaf wide(backend.address());
  ASSERT_TRUE(wide.ok());
  r = testing::run({"h2load", "-n", "1000", "-c", "2", "-m", "100", wide.url("/echo")}, 60s);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1000 succeeded, 0 failed, 0 errored"), std::string::npos) << r.out;
}

TEST_F(Http2Command, BodiesBothWaysWithFlatMemory) {
  Cnaf cnaf(backend.address(), kPolicy);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  const std::uint64_t size = 100ull << 20;
  auto r = curl({"--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{size_download}",
                 cnaf.url("/big?bytes=" + std::to_string(size) + "&chunked=1")},
                120s);
  EXPECT_EQ(r.out, std::to_string(size)) << r.err;
  testing::TempDir tmp;
  const std::string file = tmp.path() + "/upload.bin";
  ASSERT_EQ(testing::run({"truncate", "-s", std::to_string(size), file}).status, 0);
  // With a length, and streamed from a pipe (no length: chunked to the app).
  r = curl({"--http2-prior-knowledge", "-X", "POST", "-T", file, cnaf.url("/echo")}, 120s);
  EXPECT_NE(r.out.find("\"body_len\": " + std::to_string(size)), std::string::npos) << r.out << r.err;
  r = testing::run({"sh", "-c", "head -c " + std::to_string(size) + " /dev/zero | curl -sS --http2-prior-knowledge -X POST -T - " +
                                    cnaf.url("/echo")},
                   120s);
  EXPECT_NE(r.out.find("\"body_len\": " + std::to_string(size)), std::string::npos) << r.out << r.err;
  // The body comes back intact (a checksum through both directions).
  const std::string small = tmp.path() + "/small.bin";
  ASSERT_EQ(testing::run({"sh", "-c", "head -c 3000000 /dev/urandom > " + small}).status, 0);
  r = testing::run({"sh", "-c", "curl -sS --http2-prior-knowledge -H 'Content-Type: application/octet-stream' "
                                "--data-binary @" + small + " " + cnaf.url("/echo-body") + " | cmp - " + small},
                   60s);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  const std::uint64_t peak = test::peak_rss_kib(cnaf.process().pid());
  EXPECT_GT(peak, 0u);
  EXPECT_LT(peak, test::kFlatRssLimitKib) << "peak RSS " << peak << " KiB while streaming 100 MB each way over h2";
}

TEST_F(Http2Command, BlockedRequestsAndLimits) {
  Cnaf cnaf(backend.address(), kPolicy);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  auto r = curl({"--http2-prior-knowledge", "-D", "-", cnaf.url("/?id=1%27%20or%201=1--")});
  EXPECT_EQ(status_of_response(r.out), 403) << r.out;
  const std::string rid = header_of(r.out, "x-request-id");
  EXPECT_NE(r.out.find("Request id: <code>" + rid), std::string::npos) << r.out;
  EXPECT_TRUE(cnaf.wait_for_event("\"request_id\":\"" + rid + "\""));
  // A blocked upload is answered, and the rest of its body is read and dropped: curl succeeds.
  testing::TempDir tmp;
  const std::string file = tmp.path() + "/form.txt";
  ASSERT_EQ(testing::run({"sh", "-c", "printf '%s' 'q=1%27%20union%20select%20password%20from%20users--&pad=' > " + file +
                                          "; head -c 2000000 /dev/zero | tr '\\0' a >> " + file}).status,
            0);
  r = curl({"--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@" + file,
            cnaf.url("/login")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "403");
  // The app refuses an upload without reading it: its answer is passed on.
  const std::string big = tmp.path() + "/big.bin";
  ASSERT_EQ(testing::run({"truncate", "-s", "5000000", big}).status, 0);
  r = curl({"--http2-prior-knowledge", "-X", "POST", "-T", big, "-o", "/dev/null", "-w", "%{http_code}", cnaf.url("/early?code=413")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "413");
  // Head over max_header_bytes: 431. A declared body over max_body_bytes: 413.
  r = curl({"--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Big: " + std::string(5000, 'a'),
            cnaf.url("/echo")});
  EXPECT_EQ(r.out, "431") << r.err;
  Cnaf small(backend.address(), "version: 1\ncnaf:\n  limits:\n    max_body_bytes: 1000\n");
  ASSERT_TRUE(small.ok());
  r = curl({"--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: text/plain",
            "--data-binary", std::string(5000, 'x'), small.url("/echo")});
  EXPECT_EQ(r.out, "413") << r.err;
}

TEST_F(Http2Command, AppDownAndSlowApp) {
  Cnaf down("127.0.0.1:" + std::to_string(testing::free_port()), kPolicy);
  ASSERT_TRUE(down.ok());
  auto r = curl({"--http2-prior-knowledge", "-D", "-", down.url("/")});
  EXPECT_EQ(status_of_response(r.out), 502) << r.out;
  Cnaf cnaf(backend.address(), kPolicy);
  ASSERT_TRUE(cnaf.ok());
  r = curl({"--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", cnaf.url("/slow?ms=3000")});
  EXPECT_EQ(r.out, "504");
  r = curl({"--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_code}", cnaf.url("/slow?ms=10")});
  EXPECT_EQ(r.out, "200");
}

TEST_F(Http2Command, ResetStreamLeavesTheConnectionUsable) {
  Cnaf cnaf(backend.address(), kPolicy);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  RawClient client(cnaf.port());
  ASSERT_TRUE(client.send(preface() + frame(kSettings, kAck, 0, "") +
                          frame(kHeaders, kEndHeaders | kEndStream, 1, get_block("/slow?ms=2000"))));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(client.send(frame(kRstStream, 0, 1, std::string("\0\0\0\x08", 4)) +  // CANCEL
                          frame(kHeaders, kEndHeaders | kEndStream, 3, get_block("/echo"))));
  std::string got;
  const auto frames = read_until(client, got, kData, 3, 5s);
  const Frame* headers = find_frame(frames, kHeaders, 3);
  ASSERT_NE(headers, nullptr);
  EXPECT_EQ(static_cast<std::uint8_t>(headers->payload[0]), 0x88);  // :status 200 (static table)
  EXPECT_EQ(find_frame(frames, kHeaders, 1), nullptr);              // nothing for the cancelled stream
}

TEST_F(Http2Command, MisbehavingClients) {
  Cnaf cnaf(backend.address(), kPolicy);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  {
    // DATA on stream 0 is a connection error: GOAWAY(PROTOCOL_ERROR), then the connection closes.
    RawClient client(cnaf.port());
    ASSERT_TRUE(client.send(preface() + frame(kData, 0, 0, "x")));
    std::string got;
    const auto frames = read_until(client, got, kGoaway, 0, 3s);
    const Frame* goaway = find_frame(frames, kGoaway, 0);
    ASSERT_NE(goaway, nullptr);
    EXPECT_EQ(u32(goaway->payload, 4), 1u);  // PROTOCOL_ERROR
    EXPECT_TRUE(client.closed_within(3s));
  }
  {
    // HEADERS that never end (no END_HEADERS, no CONTINUATION): after header_timeout_ms the
    // stream is reset or the connection ended (RST_STREAM or GOAWAY), not kept forever.
    RawClient client(cnaf.port());
    ASSERT_TRUE(client.send(preface() + frame(kHeaders, kEndStream, 1, get_block("/echo"))));
    std::string got;
    const auto frames = read_until(client, got, kGoaway, 0, 3s);
    EXPECT_TRUE(find_frame(frames, kRstStream, 1) != nullptr || find_frame(frames, kGoaway, 0) != nullptr) << got.size();
  }
  {
    // Not HTTP/2 after all: a bad preface is answered as HTTP/1.1.
    const std::string out = test::raw_exchange(cnaf.port(), "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", 2s);
    EXPECT_EQ(out.find("HTTP/2"), std::string::npos);
  }
  {
    // A PING is answered.
    RawClient client(cnaf.port());
    ASSERT_TRUE(client.send(preface() + frame(kPing, 0, 0, "12345678")));
    std::string got;
    const auto frames = read_until(client, got, kPing, 0, 3s);
    const Frame* ping = find_frame(frames, kPing, 0);
    ASSERT_NE(ping, nullptr);
    EXPECT_EQ(ping->flags & kAck, kAck);
    EXPECT_EQ(ping->payload, "12345678");
  }
  EXPECT_TRUE(cnaf.process().running());
}

TEST_F(Http2Command, SigtermSendsGoawayAndFinishesInFlightStreams) {
  Cnaf cnaf(backend.address(), kPolicy);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  RawClient client(cnaf.port());
  ASSERT_TRUE(client.send(preface() + frame(kSettings, kAck, 0, "") +
                          frame(kHeaders, kEndHeaders | kEndStream, 1, get_block("/slow?ms=600"))));
  std::this_thread::sleep_for(150ms);  // the request is with the app
  cnaf.process().signal(SIGTERM);
  std::string got;
  auto frames = read_until(client, got, kData, 1, 5s);
  const Frame* goaway = find_frame(frames, kGoaway, 0);
  ASSERT_NE(goaway, nullptr) << "no GOAWAY";
  EXPECT_EQ(u32(goaway->payload, 0), 1u);  // last stream id: ours is processed
  EXPECT_EQ(u32(goaway->payload, 4), 0u);  // NO_ERROR
  const Frame* headers = find_frame(frames, kHeaders, 1);
  ASSERT_NE(headers, nullptr);
  EXPECT_EQ(static_cast<std::uint8_t>(headers->payload[0]), 0x88);
  EXPECT_TRUE(client.closed_within(5s));
  EXPECT_EQ(cnaf.process().wait(10s), std::optional<int>(0));
}

}  // namespace
}  // namespace defender::cnaf

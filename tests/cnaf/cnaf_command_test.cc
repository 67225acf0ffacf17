// `defender cnaf` end to end: the real binary between real clients (curl, raw sockets) and a
// backend the test starts (tests/cnaf/backend.py). Only loopback addresses.
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "tests/cnaf/cnaf_test_support.h"
#include "tests/support/test_support.h"

namespace defender::cnaf {
namespace {

using namespace std::chrono_literals;
using testing::Process;
using testing::TempDir;
using test::Backend;
using test::Cnaf;
using test::TestPki;
using test::body_of;
using test::curl;
using test::RawClient;
using test::header_of;
using test::raw_exchange;
using test::status_of_response;

class CnafCommand : public ::testing::Test {
 protected:
  Backend backend;
};

TEST_F(CnafCommand, ForwardsWithForwardingHeadersAndRequestId) {
  Cnaf cnaf(backend.address());
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  const auto r = curl({"-D", "-", cnaf.url("/echo?a=1")});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string& out = r.out;
  EXPECT_EQ(status_of_response(out), 200);
  const std::string rid = header_of(out, "X-Request-Id");
  ASSERT_EQ(rid.size(), 32u) << out;
  const auto json = nlohmann::json::parse(body_of(out));
  EXPECT_EQ(json["path"], "/echo?a=1");
  std::map<std::string, std::string> seen;
  for (const auto& h : json["headers"]) seen[h[0].get<std::string>()] = h[1].get<std::string>();
  EXPECT_EQ(seen["X-Forwarded-For"], "127.0.0.1");
  EXPECT_EQ(seen["X-Forwarded-Proto"], "http");
  EXPECT_EQ(seen["X-Forwarded-Host"], "127.0.0.1:" + std::to_string(cnaf.port()));
  EXPECT_EQ(seen["X-Request-Id"], rid);
}

TEST_F(CnafCommand, KeepsAGivenRequestIdAndReplacesABadOne) {
  Cnaf cnaf(backend.address());
  ASSERT_TRUE(cnaf.ok());
  auto r = curl({"-D", "-", "-o", "/dev/null", "-H", "X-Request-Id: my-id-42", cnaf.url("/status?code=204")});
  EXPECT_EQ(header_of(r.out, "X-Request-Id"), "my-id-42");
  r = curl({"-D", "-", "-o", "/dev/null", "-H", "X-Request-Id: <b>x</b>", cnaf.url("/status?code=204")});
  EXPECT_EQ(header_of(r.out, "X-Request-Id").size(), 32u);
}

TEST_F(CnafCommand, KeepAliveAndPipelining) {
  Cnaf cnaf(backend.address());
  ASSERT_TRUE(cnaf.ok());
  RawClient client(cnaf.port());
  const std::string req = "GET /status?code=200 HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(client.send(req + req + req));
  std::string got;
  for (int i = 0; i < 50 && got.size() < 3 * 20; ++i) {
    got += client.read(200ms);
    std::size_t n = 0;
    for (auto p = got.find("HTTP/1.1 200"); p != std::string::npos; p = got.find("HTTP/1.1 200", p + 1)) ++n;
    if (n == 3) break;
  }
  std::size_t n = 0;
  for (auto p = got.find("HTTP/1.1 200"); p != std::string::npos; p = got.find("HTTP/1.1 200", p + 1)) ++n;
  EXPECT_EQ(n, 3u) << got;
  // The connection is still usable.
  ASSERT_TRUE(client.send(req));
  EXPECT_EQ(status_of_response(client.read(3s, "\r\n\r\n")), 200);
}

struct Shape {
  const char* name;
  std::string request;
  int status;
};

TEST_F(CnafCommand, RefusesEverySmugglingShapeWithAnEvent) {
  Cnaf cnaf(backend.address());
  ASSERT_TRUE(cnaf.ok());
  const std::string h = "Host: t\r\n";
  const std::vector<Shape> shapes{
      {"cl+te", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", 400},
      {"dup-cl", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
      {"bad-cl", "POST /echo HTTP/1.1\r\n" + h + "Content-Length: 5x\r\n\r\nhello", 400},
      {"bad-te", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\n\r\nxx", 400},
      {"bad-chunk", "POST /echo HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n", 400},
      {"obs-fold", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\r\n b\r\n\r\n", 400},
      {"bad-name", "GET /echo HTTP/1.1\r\n" + h + "X[A]: a\r\n\r\n", 400},
      {"bad-value", "GET /echo HTTP/1.1\r\n" + h + "X-A: a\x01z\r\n\r\n", 400},
      {"lf-only", "GET /echo HTTP/1.1\n" + h + "\n", 400},
      {"no-host", "GET /echo HTTP/1.1\r\n\r\n", 400},
      {"connect", "CONNECT 127.0.0.1:22 HTTP/1.1\r\n" + h + "\r\n", 405},
      {"junk", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400},
  };
  for (const Shape& s : shapes) {
    const std::string out = raw_exchange(cnaf.port(), s.request, 5s);
    EXPECT_EQ(status_of_response(out), s.status) << s.name << ": " << out;
    EXPECT_EQ(header_of(out, "Connection"), "close") << s.name;
    EXPECT_EQ(out.find("body_sha256"), std::string::npos) << s.name << " reached the app";
  }
  // The event writer is asynchronous: wait (bounded) until every refusal has its line.
  std::size_t protocol_events = 0;
  for (int attempt = 0; attempt < 250 && protocol_events < shapes.size(); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(20ms);
    protocol_events = 0;
    std::istringstream lines(cnaf.events());
    for (std::string line; std::getline(lines, line);) {
      const auto j = nlohmann::json::parse(line);
      if (j["type"] == "http" && j.value("protection", "") == "protocol") {
        ++protocol_events;
        EXPECT_EQ(j["action"], "prevent");
        EXPECT_EQ(j["client_ip"], "127.0.0.1");
      }
    }
  }
  EXPECT_EQ(protocol_events, shapes.size());
}

TEST_F(CnafCommand, LimitsGive431And413) {
  Cnaf cnaf(backend.address());
  ASSERT_TRUE(cnaf.ok());
  std::string big = "GET /echo HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  EXPECT_EQ(status_of_response(raw_exchange(cnaf.port(), big)), 431);
  std::string many = "GET /echo HTTP/1.1\r\nHost: t\r\n";
  for (int i = 0; i < 150; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(status_of_response(raw_exchange(cnaf.port(), many + "\r\n")), 431);
  EXPECT_EQ(status_of_response(raw_exchange(cnaf.port(), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n")), 413);
}

TEST_F(CnafCommand, ChunkedBothWaysAndHead) {
  Cnaf cnaf(backend.address());
  ASSERT_TRUE(cnaf.ok());
  const std::string chunked_req =
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  const std::string out = raw_exchange(cnaf.port(), chunked_req + "GET /big?bytes=70000&chunked=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 10s);
  ASSERT_EQ(status_of_response(out), 200) << out;
  EXPECT_NE(out.find("\"body_len\": 11"), std::string::npos) << out;
  const auto second = out.find("HTTP/1.1 200", 10);
  ASSERT_NE(second, std::string::npos);
  EXPECT_EQ(header_of(out.substr(second), "Transfer-Encoding"), "chunked");
  EXPECT_NE(out.find("\r\n0\r\n\r\n", second), std::string::npos);
  // curl decodes the chunked response to the right size.
  const auto r = curl({"-o", "/dev/null", "-w", "%{size_download}", cnaf.url("/big?bytes=300000&chunked=1")});
  EXPECT_EQ(r.out, "300000");
  // HEAD: headers only.
  const std::string head = raw_exchange(cnaf.port(), "HEAD /big?bytes=1000 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(header_of(head, "Content-Length"), "1000");
  EXPECT_EQ(body_of(head), "");
  // A close-delimited response reaches an HTTP/1.1 client chunked.
  const auto eof = curl({"-o", "/dev/null", "-w", "%{size_download}", cnaf.url("/big?bytes=123456&eof=1")});
  EXPECT_EQ(eof.out, "123456");
}

TEST_F(CnafCommand, ExpectContinue) {
  Cnaf cnaf(backend.address());
  ASSERT_TRUE(cnaf.ok());
  RawClient client(cnaf.port());
  ASSERT_TRUE(client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  const std::string interim = client.read(3s, "\r\n\r\n");
  EXPECT_EQ(status_of_response(interim), 100);
  ASSERT_TRUE(client.send("hello"));
  const std::string out = client.read(3s, "}");
  EXPECT_NE(out.find("HTTP/1.1 200"), std::string::npos) << out;
  EXPECT_NE(out.find("\"body_len\": 5"), std::string::npos) << out;
  EXPECT_EQ(out.find("Expect"), std::string::npos);
}

TEST_F(CnafCommand, AppDownGives502) {
  const std::uint16_t dead = testing::free_port();
  Cnaf cnaf("127.0.0.1:" + std::to_string(dead));
  ASSERT_TRUE(cnaf.ok());
  const auto r = curl({"-D", "-", cnaf.url("/")});
  EXPECT_EQ(status_of_response(r.out), 502);
  EXPECT_NE(r.out.find("Request id: <code>" + header_of(r.out, "X-Request-Id")), std::string::npos) << r.out;
}

const std::string kFastTimeouts =
    "version: 1\ncnaf:\n  limits:\n    upstream_timeout_ms: 700\n    header_timeout_ms: 700\n"
    "    max_body_bytes: 300000000\n    drain_timeout_ms: 5000\nevents:\n  file: events.jsonl\n";

TEST_F(CnafCommand, SlowAppGives504) {
  Cnaf cnaf(backend.address(), kFastTimeouts);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  const auto r = curl({"-D", "-", cnaf.url("/slow?ms=3000")});
  EXPECT_EQ(status_of_response(r.out), 504) << r.out;
  // The proxy still works afterwards.
  EXPECT_EQ(status_of_response(curl({"-D", "-", cnaf.url("/slow?ms=10")}).out), 200);
}

TEST_F(CnafCommand, SlowClientGets408) {
  Cnaf cnaf(backend.address(), kFastTimeouts);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  RawClient client(cnaf.port());
  ASSERT_TRUE(client.send("GET /echo HTTP/1.1\r\nHo"));
  const std::string out = client.read(5s, "</html>");
  EXPECT_EQ(status_of_response(out), 408) << out;
  EXPECT_TRUE(client.closed_within(3s));
}

TEST_F(CnafCommand, WebSocketEchoThroughTheTunnel) {
  Cnaf cnaf(backend.address());
  ASSERT_TRUE(cnaf.ok());
  RawClient client(cnaf.port());
  ASSERT_TRUE(client.send("GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  const std::string head = client.read(5s, "\r\n\r\n");
  ASSERT_EQ(status_of_response(head), 101) << head;
  EXPECT_EQ(header_of(head, "Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  for (int i = 0; i < 3; ++i) {
    const std::string text = "hello " + std::to_string(i);
    std::string frame{'\x81', static_cast<char>(0x80 | text.size()), 1, 2, 3, 4};
    for (std::size_t k = 0; k < text.size(); ++k) frame.push_back(static_cast<char>(text[k] ^ (k % 4 + 1)));
    ASSERT_TRUE(client.send(frame));
    const std::string echo = client.read(5s, text);
    const std::string expected = std::string{'\x81', static_cast<char>(text.size())} + text;
    EXPECT_EQ(echo, expected);
  }
}

TEST_F(CnafCommand, Streams200MegabytesBothWaysWithFlatMemory) {
  Cnaf cnaf(backend.address(), kFastTimeouts + "  # big bodies\n");
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  const std::uint64_t size = 200ull << 20;
  // Download.
  auto r = curl({"-o", "/dev/null", "-w", "%{size_download}", cnaf.url("/big?bytes=" + std::to_string(size))}, 120s);
  EXPECT_EQ(r.out, std::to_string(size)) << r.err;
  // Upload, streamed by curl from a file (Content-Length) and from a pipe (chunked).
  TempDir tmp;
  const std::string file = tmp.path() + "/upload.bin";
  ASSERT_EQ(testing::run({"truncate", "-s", std::to_string(size), file}).status, 0);
  r = curl({"-X", "POST", "-T", file, "-H", "Expect:", cnaf.url("/echo")}, 120s);
  EXPECT_NE(r.out.find("\"body_len\": " + std::to_string(size)), std::string::npos) << r.out << r.err;
  r = testing::run({"sh", "-c", "head -c " + std::to_string(size) + " /dev/zero | curl -sS -X POST -T - " + cnaf.url("/echo")}, 120s);
  EXPECT_NE(r.out.find("\"body_len\": " + std::to_string(size)), std::string::npos) << r.out << r.err;
  const std::uint64_t peak = test::peak_rss_kib(cnaf.process().pid());
  EXPECT_GT(peak, 0u);
  EXPECT_LT(peak, test::kFlatRssLimitKib) << "peak RSS " << peak << " KiB while streaming 200 MB";
  RecordProperty("proxy_peak_rss_kib", std::to_string(peak));
}

TEST_F(CnafCommand, EarlyAnswersReachAClientStillSendingItsBody) {
  Cnaf cnaf(backend.address(), kFastTimeouts);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  TempDir tmp;
  const std::string file = tmp.path() + "/upload.bin";
  ASSERT_EQ(testing::run({"truncate", "-s", "5000000", file}).status, 0);
  // The app refuses the upload without reading it (413), and closes: its answer is passed on.
  for (int i = 0; i < 3; ++i) {
    const auto r = curl({"-X", "POST", "-T", file, "-o", "/dev/null", "-w", "%{http_code}", cnaf.url("/early?code=413")});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "413");
  }
  // CNAF blocks an upload from its first bytes: the client still gets the 403 whole (the rest
  // of its body is read and dropped before the connection closes).
  const std::string form = tmp.path() + "/form.txt";
  ASSERT_EQ(testing::run({"sh", "-c", "printf '%s' 'q=1%27%20union%20select%20password%20from%20users--&pad=' > " +
                                          form + "; head -c 5000000 /dev/zero | tr '\\0' a >> " + form}).status,
            0);
  for (int i = 0; i < 3; ++i) {
    const auto r = curl({"--data-binary", "@" + form, "-o", "/dev/null", "-w", "%{http_code}", cnaf.url("/login")});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "403");
  }
}

TEST_F(CnafCommand, StructuredBodyLongerThanInspectedIsRefused) {
  // 200 KiB of JSON: past the default inspect_body_bytes (128 KiB), the rest would go unread.
  TempDir tmp;
  const std::string file = tmp.path() + "/big.json";
  {
    std::ofstream out(file);
    out << "{\"items\": [";
    std::string text;
    for (int k = 0; k < 60; ++k) text += "plain words ";
    for (int i = 0; i < 300; ++i) out << (i ? "," : "") << "{\"id\": " << i << ", \"text\": \"" << text << i << "\"}";
    out << "]}";
  }
  const auto post = [&](Cnaf& c) {
    return curl({"-H", "Content-Type: application/json", "--data-binary", "@" + file, "-o", "/dev/null", "-w",
                 "%{http_code}", c.url("/status?code=200")})
        .out;
  };
  Cnaf cnaf(backend.address(), kFastTimeouts);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  EXPECT_EQ(post(cnaf), "403");
  EXPECT_TRUE(cnaf.wait_for_event("longer than cnaf.limits.inspect_body_bytes (131072)")) << cnaf.events();
  // Raised to cover it, the body is inspected whole and passes.
  Cnaf roomy(backend.address(), "version: 1\ncnaf:\n  limits: {inspect_body_bytes: 1048576}\nevents:\n  file: events.jsonl\n");
  ASSERT_TRUE(roomy.ok()) << roomy.process().err();
  EXPECT_EQ(post(roomy), "200");
}

TEST_F(CnafCommand, CpuAffinityPinsEachIoThread) {
  Cnaf cnaf(backend.address(), "", {"--cpu-affinity"});
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  EXPECT_EQ(curl({"-o", "/dev/null", "-w", "%{http_code}", cnaf.url("/status?code=200")}).out, "200");
  // The two I/O threads (--threads 2) each run on one CPU; other threads are not pinned.
  std::size_t pinned = 0;
  const std::string tasks = "/proc/" + std::to_string(cnaf.process().pid()) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (!line.starts_with("Cpus_allowed_list:")) continue;
      const std::string list = line.substr(line.find_first_not_of(" \t", 18));
      pinned += list.find_first_of(",-") == std::string::npos;
    }
  }
  EXPECT_GE(pinned, 2u);
}

TEST_F(CnafCommand, AllowedMethodsFromThePolicy) {
  // The default is OWASP CRS's (GET HEAD POST OPTIONS); a policy adds the REST methods or
  // narrows it.
  Cnaf defaults(backend.address(), kFastTimeouts);
  ASSERT_TRUE(defaults.ok()) << defaults.process().err();
  for (const char* m : {"GET", "POST", "OPTIONS"}) {
    const auto r = curl({"-X", m, "-o", "/dev/null", "-w", "%{http_code}", defaults.url("/status?code=200")});
    EXPECT_EQ(r.out, "200") << m;
  }
  for (const char* m : {"DELETE", "PUT", "SUBSCRIBE"})
    EXPECT_EQ(curl({"-X", m, "-o", "/dev/null", "-w", "%{http_code}", defaults.url("/x")}).out, "403") << m;

  Cnaf rest(backend.address(),
            "version: 1\ncnaf:\n  allowed_methods: [GET, HEAD, POST, OPTIONS, PUT, PATCH, DELETE]\n"
            "events:\n  file: events.jsonl\n");
  ASSERT_TRUE(rest.ok()) << rest.process().err();
  for (const char* m : {"PUT", "PATCH", "DELETE"}) {
    const auto r = curl({"-X", m, "-o", "/dev/null", "-w", "%{http_code}", rest.url("/status?code=200")});
    EXPECT_EQ(r.out, "200") << m;
  }

  Cnaf narrow(backend.address(), "version: 1\ncnaf:\n  allowed_methods: [GET, HEAD]\nevents:\n  file: events.jsonl\n");
  ASSERT_TRUE(narrow.ok()) << narrow.process().err();
  EXPECT_EQ(curl({"-o", "/dev/null", "-w", "%{http_code}", narrow.url("/status?code=200")}).out, "200");
  EXPECT_EQ(curl({"-X", "DELETE", "-o", "/dev/null", "-w", "%{http_code}", narrow.url("/items/7")}).out, "403");
  ASSERT_TRUE(narrow.wait_for_event("protocol: method not allowed (not in cnaf.allowed_methods)"));
  EXPECT_NE(narrow.events().find("\"method\":\"DELETE\""), std::string::npos) << narrow.events();
}

TEST_F(CnafCommand, MethodsTheParserDoesNotKnowAreJudgedLikeOthers) {
  // llhttp parses a fixed list of methods. Any other well-formed method is still judged by the
  // policy (not in cnaf.allowed_methods: 403 and an event, as SUBSCRIBE, which llhttp knows).
  Cnaf waf(backend.address(), kFastTimeouts);
  ASSERT_TRUE(waf.ok()) << waf.process().err();
  for (const std::string m : {"FOO", "TEST", "get", "SUBSCRIBE"}) {
    const std::string out = raw_exchange(waf.port(), m + " /x?a=1 HTTP/1.1\r\nHost: t\r\n\r\n", 5s);
    EXPECT_EQ(status_of_response(out), 403) << m << ": " << out;
    EXPECT_FALSE(header_of(out, "X-Request-Id").empty()) << m << ": " << out;
  }
  ASSERT_TRUE(waf.wait_for_event("\"method\":\"TEST\"")) << waf.events();
  EXPECT_NE(waf.events().find("not in cnaf.allowed_methods"), std::string::npos) << waf.events();
  // Not a token: a malformed request line, 400.
  EXPECT_EQ(status_of_response(raw_exchange(waf.port(), "F(O /x HTTP/1.1\r\nHost: t\r\n\r\n", 5s)), 400);

  // Every protection disabled (the proxy's allow-all inspector): nothing refuses the method,
  // and the proxy cannot forward what it cannot parse: 501.
  Cnaf open(backend.address(),
            "version: 1\ncnaf:\n  protections: {sqli: disable, xss: disable, cmdi: disable, code_injection: disable, "
            "lfi: disable, shellshock: disable, scanners: disable, protocol: disable, rfi: disable, ssrf: disable, "
            "nosqli: disable, xxe: disable}\nevents:\n  file: events.jsonl\n");
  ASSERT_TRUE(open.ok()) << open.process().err();
  EXPECT_EQ(status_of_response(raw_exchange(open.port(), "FOO /x HTTP/1.1\r\nHost: t\r\n\r\n", 5s)), 501);
}

TEST_F(CnafCommand, SighupReloadsWithoutDroppingConnections) {
  Cnaf cnaf(backend.address(), kFastTimeouts);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  RawClient client(cnaf.port());
  const std::string req = "GET /status?code=200 HTTP/1.1\r\nHost: t\r\n\r\n";
  ASSERT_TRUE(client.send(req));
  EXPECT_EQ(status_of_response(client.read(3s, "\r\n\r\n")), 200);
  cnaf.process().signal(SIGHUP);
  ASSERT_TRUE(cnaf.wait_for_event("policy reloaded"));
  ASSERT_TRUE(client.send(req));
  EXPECT_EQ(status_of_response(client.read(3s, "\r\n\r\n")), 200);
  EXPECT_TRUE(cnaf.process().running());
}

TEST_F(CnafCommand, SigtermDrainsInFlightRequests) {
  Cnaf cnaf(backend.address(), kFastTimeouts);
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  RawClient slow(cnaf.port());
  ASSERT_TRUE(slow.send("GET /slow?ms=500 HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::this_thread::sleep_for(150ms);  // the request is with the app
  cnaf.process().signal(SIGTERM);
  const std::string out = slow.read(5s, "slow\n");
  EXPECT_EQ(status_of_response(out), 200) << out;
  EXPECT_EQ(header_of(out, "Connection"), "close");
  EXPECT_EQ(cnaf.process().wait(10s), std::optional<int>(0));
  EXPECT_EQ(raw_exchange(cnaf.port(), "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 1s), "");
}

TEST_F(CnafCommand, TlsWithATestCa) {
  TestPki pki;
  Cnaf cnaf(backend.address(), "", {"--tls-cert", pki.cert, "--tls-key", pki.key});
  ASSERT_TRUE(cnaf.ok()) << cnaf.process().err();
  const std::string url = "https://localhost:" + std::to_string(cnaf.port());
  const std::string resolve = "localhost:" + std::to_string(cnaf.port()) + ":127.0.0.1";
  auto r = curl({"--http1.1", "--cacert", pki.ca, "--resolve", resolve, "-D", "-", url + "/echo"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(status_of_response(r.out), 200);
  EXPECT_NE(r.out.find("[\"X-Forwarded-Proto\", \"https\"]"), std::string::npos) << r.out;
  // Keep-alive over TLS: two requests, one connection; a 1 MB body streamed through.
  r = curl({"--http1.1", "--cacert", pki.ca, "--resolve", resolve, "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects} %{size_download}\n",
            url + "/status?code=204", url + "/big?bytes=1048576"});
  EXPECT_EQ(r.out, "1 0\n0 1048576\n") << r.err;
  // A client that does not trust the CA is refused by curl; a plain-HTTP client gets nothing.
  EXPECT_NE(curl({"--resolve", resolve, url + "/"}).status, 0);
  EXPECT_EQ(status_of_response(raw_exchange(cnaf.port(), "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 2s)), 0);
}

TEST_F(CnafCommand, BadFlagsAndPolicyExit2) {
  auto r = testing::run({testing::defender_bin(), "cnaf", "--listen", "nonsense", "--upstream", "127.0.0.1:1"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("listen"), std::string::npos);
  TempDir dir;
  r = testing::run({testing::defender_bin(), "cnaf", "--policy", dir.write("p.yaml", "version: 1\ncnaf: {limits: {max_header_bytes: -4}}\n")});
  EXPECT_EQ(r.status, 2);
  r = testing::run({testing::defender_bin(), "cnaf", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key",
                    "--listen", "127.0.0.1:" + std::to_string(testing::free_port()), "--data-folder", dir.path()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/nonexistent.pem"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace defender::cnaf

// Http1RequestParser without sockets: framing, limits, and every request-smuggling shape the
// proxy refuses (each must be an error, never a request forwarded with a guessed framing).
#include "cnaf/http1_request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace defender::cnaf {
namespace {

using namespace std::string_literals;

using Event = Http1RequestParser::Event;

struct Parsed {
  std::vector<Event> events;
  std::string body;
  ProxyError error = ProxyError::none;
};

// Feeds `input` in pieces of `step` bytes, collecting events until error or the end.
Parsed parse_all(Http1RequestParser& p, const std::string& input, std::size_t step = 1 << 20) {
  Parsed out;
  std::size_t pos = 0;
  while (pos < input.size()) {
    const std::size_t n = std::min(step, input.size() - pos);
    std::string_view piece(input.data() + pos, n);
    while (!piece.empty()) {
      const auto r = p.feed(piece, &out.body);
      piece.remove_prefix(r.consumed);
      if (r.event != Event::need_more) out.events.push_back(r.event);
      if (r.event == Event::error) {
        out.error = p.error();
        return out;
      }
      if (r.event == Event::upgrade) return out;
      if (r.event == Event::need_more) break;
    }
    pos += n;
  }
  return out;
}

TEST(Http1RequestParser, SimpleGetIsOneMessage) {
  Http1RequestParser p;
  const auto r = parse_all(p, "GET /a?b=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n");
  ASSERT_EQ(r.events, std::vector<Event>{Event::message_complete});
  EXPECT_EQ(p.head().method(), "GET");
  EXPECT_EQ(p.head().target(), "/a?b=1");
  EXPECT_EQ(p.head().find("user-agent").value_or(""), "t");
  EXPECT_EQ(p.head().body, BodyKind::none);
  EXPECT_TRUE(p.head().keep_alive);
}

TEST(Http1RequestParser, ByteByByteGivesTheSameHead) {
  Http1RequestParser p;
  const auto r = parse_all(p, "POST /p HTTP/1.1\r\nHost: x\r\nX-Long:  v a l  \r\nContent-Length: 5\r\n\r\nhello", 1);
  ASSERT_EQ(r.events, (std::vector<Event>{Event::head_complete, Event::message_complete}));
  EXPECT_EQ(p.head().find("x-long").value_or(""), "v a l");
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(p.head().content_length, 5u);
}

TEST(Http1RequestParser, ChunkedBodyIsDecoded) {
  Http1RequestParser p;
  const auto r = parse_all(p, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n", 3);
  ASSERT_EQ(r.events, (std::vector<Event>{Event::head_complete, Event::message_complete}));
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(p.head().body, BodyKind::chunked);
}

TEST(Http1RequestParser, PipelinedRequestsComeOneAtATime) {
  Http1RequestParser p;
  const auto r = parse_all(p, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.events, (std::vector<Event>{Event::message_complete, Event::message_complete}));
  EXPECT_EQ(p.head().target(), "/2");
}

TEST(Http1RequestParser, UpgradeStopsParsing) {
  Http1RequestParser p;
  const auto r = parse_all(p, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello");
  ASSERT_EQ(r.events, std::vector<Event>{Event::upgrade});
  EXPECT_TRUE(p.head().upgrade);
}

TEST(Http1RequestParser, ExpectContinueAndHttp10) {
  Http1RequestParser p;
  parse_all(p, "PUT /u HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_TRUE(p.head().expect_continue);
  Http1RequestParser q;
  parse_all(q, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_FALSE(q.head().keep_alive);
  EXPECT_EQ(q.head().version(), "HTTP/1.0");
}

TEST(Http1RequestParser, AbsoluteFormBecomesOriginForm) {
  Http1RequestParser p;
  parse_all(p, "GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n");
  EXPECT_EQ(p.head().target(), "/x?y");
}

struct Refused {
  const char* name;
  std::string request;
  ProxyError error;
};

class RefusedRequests : public ::testing::TestWithParam<Refused> {};

TEST_P(RefusedRequests, AreErrors) {
  for (const std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{1} << 20}) {
    Http1RequestParser p(RequestLimits{.max_header_bytes = 1024, .max_header_count = 8, .max_body_bytes = 64});
    const auto r = parse_all(p, GetParam().request, step);
    ASSERT_FALSE(r.events.empty()) << GetParam().name;
    EXPECT_EQ(r.events.back(), Event::error) << GetParam().name << " step " << step;
    EXPECT_EQ(static_cast<int>(r.error), static_cast<int>(GetParam().error)) << GetParam().name << " step " << step;
  }
}

const std::string kHost = "Host: x\r\n";

INSTANTIATE_TEST_SUITE_P(
    Smuggling, RefusedRequests,
    ::testing::Values(
        Refused{"cl_and_te", "POST / HTTP/1.1\r\n" + kHost + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ProxyError::smuggling},
        Refused{"te_and_cl", "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", ProxyError::smuggling},
        Refused{"duplicate_cl", "POST / HTTP/1.1\r\n" + kHost + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", ProxyError::smuggling},
        Refused{"duplicate_same_cl", "POST / HTTP/1.1\r\n" + kHost + "Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd", ProxyError::smuggling},
        Refused{"cl_list", "POST / HTTP/1.1\r\n" + kHost + "Content-Length: 4, 4\r\n\r\nabcd", ProxyError::smuggling},
        Refused{"cl_negative", "POST / HTTP/1.1\r\n" + kHost + "Content-Length: -1\r\n\r\n", ProxyError::smuggling},
        Refused{"cl_plus", "POST / HTTP/1.1\r\n" + kHost + "Content-Length: +4\r\n\r\nabcd", ProxyError::smuggling},
        Refused{"cl_hex", "POST / HTTP/1.1\r\n" + kHost + "Content-Length: 0x4\r\n\r\nabcd", ProxyError::smuggling},
        Refused{"te_xchunked", "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", ProxyError::smuggling},
        Refused{"te_chunked_identity", "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", ProxyError::smuggling},
        Refused{"te_twice", "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ProxyError::smuggling},
        Refused{"te_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ProxyError::smuggling},
        Refused{"te_space_before_colon", "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", ProxyError::bad_request},
        Refused{"obs_fold", "GET / HTTP/1.1\r\n" + kHost + "X-A: one\r\n two\r\n\r\n", ProxyError::smuggling},
        Refused{"obs_fold_te", "POST / HTTP/1.1\r\n" + kHost + "X-A: b\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", ProxyError::smuggling},
        Refused{"bad_chunk_size", "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", ProxyError::bad_chunk},
        Refused{"chunk_size_overflow", "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", ProxyError::bad_chunk},
        Refused{"chunk_missing_crlf", "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", ProxyError::bad_chunk},
        Refused{"bad_char_in_name", "GET / HTTP/1.1\r\n" + kHost + "X\x01Y: v\r\n\r\n", ProxyError::bad_request},
        Refused{"space_in_name", "GET / HTTP/1.1\r\n" + kHost + "X Y: v\r\n\r\n", ProxyError::bad_request},
        Refused{"nul_in_value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n"s, ProxyError::bad_request},
        Refused{"bare_lf", "GET / HTTP/1.1\nHost: x\n\n", ProxyError::bad_request},
        Refused{"bare_cr_in_value", "GET / HTTP/1.1\r\n" + kHost + "X: a\rb\r\n\r\n", ProxyError::bad_request},
        Refused{"no_host", "GET / HTTP/1.1\r\n\r\n", ProxyError::bad_request},
        Refused{"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ProxyError::bad_request},
        Refused{"bad_version", "GET / HTTP/1.7\r\n" + kHost + "\r\n", ProxyError::bad_request},
        Refused{"bad_method", "G@T / HTTP/1.1\r\n" + kHost + "\r\n", ProxyError::bad_request},
        Refused{"target_not_path", "GET foo HTTP/1.1\r\n" + kHost + "\r\n", ProxyError::bad_request},
        Refused{"connect", "CONNECT x:443 HTTP/1.1\r\n" + kHost + "\r\n", ProxyError::method_not_allowed},
        Refused{"head_too_large", "GET /" + std::string(2000, 'a') + " HTTP/1.1\r\n" + kHost + "\r\n", ProxyError::header_too_large},
        Refused{"too_many_headers", "GET / HTTP/1.1\r\n" + kHost + "a: 1\r\nb: 1\r\nc: 1\r\nd: 1\r\ne: 1\r\nf: 1\r\ng: 1\r\nh: 1\r\n\r\n", ProxyError::header_too_large},
        Refused{"cl_over_limit", "POST / HTTP/1.1\r\n" + kHost + "Content-Length: 65\r\n\r\n", ProxyError::body_too_large},
        Refused{"chunked_over_limit", "POST / HTTP/1.1\r\n" + kHost + "Transfer-Encoding: chunked\r\n\r\n41\r\n" + std::string(65, 'a') + "\r\n0\r\n\r\n", ProxyError::body_too_large}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(Http1RequestParser, LimitsAllowExactlyTheMaximum) {
  const std::string head = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  Http1RequestParser p(RequestLimits{.max_header_bytes = head.size(), .max_header_count = 1, .max_body_bytes = 0});
  const auto r = parse_all(p, head, 5);
  EXPECT_EQ(r.events, std::vector<Event>{Event::message_complete});
}

TEST(Http1RequestParser, GarbageNeverCrashes) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 131 + 7) & 0xff));
  Http1RequestParser p;
  const auto r = parse_all(p, junk, 13);
  ASSERT_FALSE(r.events.empty());
  EXPECT_EQ(r.events.back(), Event::error);
}

}  // namespace
}  // namespace defender::cnaf

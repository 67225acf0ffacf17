// Http1ResponseParser without sockets: framing of the app's responses.
#include "cnaf/http1_response_parser.h"

#include <gtest/gtest.h>

namespace defender::cnaf {
namespace {

using Event = Http1ResponseParser::Event;

Event feed_all(Http1ResponseParser& p, std::string_view data, std::string& body) {
  Event last = Event::need_more;
  while (!data.empty()) {
    const auto r = p.feed(data, &body);
    data.remove_prefix(r.consumed);
    last = r.event;
    if (r.event != Event::need_more) break;
  }
  return last;
}

TEST(Http1ResponseParser, ContentLength) {
  Http1ResponseParser p;
  p.start(false);
  std::string body;
  EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: b\r\n\r\nabc", body), Event::message_complete);
  EXPECT_EQ(p.head().status, 200);
  EXPECT_EQ(p.head().reason(), "OK");
  EXPECT_EQ(p.head().body, ResponseBody::length);
  EXPECT_EQ(body, "abc");
  EXPECT_TRUE(p.head().keep_alive);
}

TEST(Http1ResponseParser, ChunkedAndInterim) {
  Http1ResponseParser p;
  p.start(false);
  std::string body;
  EXPECT_EQ(feed_all(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n", body),
            Event::message_complete);
  EXPECT_EQ(p.head().status, 201);
  EXPECT_EQ(p.head().body, ResponseBody::chunked);
  EXPECT_EQ(body, "ab");
}

TEST(Http1ResponseParser, HeadResponseHasNoBody) {
  Http1ResponseParser p;
  p.start(true);
  std::string body;
  EXPECT_EQ(feed_all(p, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", body), Event::message_complete);
  EXPECT_EQ(p.head().body, ResponseBody::none);
}

TEST(Http1ResponseParser, UntilEofEndsAtFinish) {
  Http1ResponseParser p;
  p.start(false);
  std::string body;
  EXPECT_EQ(feed_all(p, "HTTP/1.0 200 OK\r\n\r\nsome", body), Event::need_more);
  EXPECT_EQ(p.head().body, ResponseBody::until_eof);
  EXPECT_FALSE(p.head().keep_alive);
  EXPECT_EQ(p.finish(&body).event, Event::message_complete);
  EXPECT_EQ(body, "some");
}

TEST(Http1ResponseParser, TruncatedLengthIsAnError) {
  Http1ResponseParser p;
  p.start(false);
  std::string body;
  feed_all(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", body);
  EXPECT_EQ(p.finish(&body).event, Event::error);
}

TEST(Http1ResponseParser, SwitchingProtocols) {
  Http1ResponseParser p;
  p.start(false);
  std::string body;
  EXPECT_EQ(feed_all(p, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", body),
            Event::upgrade);
  EXPECT_EQ(p.head().status, 101);
}

TEST(Http1ResponseParser, GarbageIsAnError) {
  Http1ResponseParser p;
  p.start(false);
  std::string body;
  EXPECT_EQ(feed_all(p, "SSH-2.0-OpenSSH\r\n", body), Event::error);
}

}  // namespace
}  // namespace defender::cnaf

// Header rewriting between client and app: what is removed, added and kept.
#include "cnaf/header_rewrite.h"

#include <gtest/gtest.h>

#include "cnaf/http1_request_parser.h"

namespace defender::cnaf {
namespace {

RequestHead parse_head(const std::string& text) {
  Http1RequestParser p;
  std::string body;
  std::string_view data = text;
  while (!data.empty()) {
    const auto r = p.feed(data, &body);
    data.remove_prefix(r.consumed);
    if (r.event != Http1RequestParser::Event::need_more) break;
  }
  return p.head();
}

TEST(HeaderRewrite, RequestDropsHopByHopAndSetsForwarding) {
  const RequestHead head = parse_head(
      "GET /x HTTP/1.1\r\nHost: shop\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: 5\r\n"
      "X-Secret: s\r\nTE: trailers\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: https\r\n"
      "X-Request-Id: bad id\r\nAccept: */*\r\n\r\n");
  std::string out;
  build_upstream_request(head, ForwardInfo{"127.0.0.9", "rid-1", "app:1", false}, out);
  EXPECT_EQ(out.rfind("GET /x HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(out.find("Host: shop\r\n"), std::string::npos);
  EXPECT_NE(out.find("Accept: */*\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Connection"), std::string::npos);
  EXPECT_EQ(out.find("Keep-Alive"), std::string::npos);
  EXPECT_EQ(out.find("X-Secret"), std::string::npos);
  EXPECT_EQ(out.find("TE:"), std::string::npos);
  EXPECT_NE(out.find("X-Forwarded-For: 10.0.0.1, 127.0.0.9\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Forwarded-Proto: http\r\n"), std::string::npos);
  EXPECT_EQ(out.find("https"), std::string::npos);
  EXPECT_NE(out.find("X-Forwarded-Host: shop\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Request-Id: rid-1\r\n"), std::string::npos);
  EXPECT_EQ(out.find("bad id"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(HeaderRewrite, BodiesAreReframed) {
  const RequestHead chunked = parse_head("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::string out;
  build_upstream_request(chunked, ForwardInfo{"1.2.3.4", "r", "a", true}, out);
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(out.find("X-Forwarded-Proto: https\r\n"), std::string::npos);
  const RequestHead fixed = parse_head("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n");
  out.clear();
  build_upstream_request(fixed, ForwardInfo{"1.2.3.4", "r", "a", false}, out);
  EXPECT_NE(out.find("Content-Length: 12\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Expect"), std::string::npos);
}

TEST(HeaderRewrite, Http10WithoutHostGetsTheUpstreamAuthority) {
  const RequestHead head = parse_head("GET / HTTP/1.0\r\n\r\n");
  std::string out;
  build_upstream_request(head, ForwardInfo{"1.2.3.4", "r", "127.0.0.1:8081", false}, out);
  EXPECT_NE(out.find("Host: 127.0.0.1:8081\r\n"), std::string::npos);
}

TEST(HeaderRewrite, UpgradeKeepsConnectionUpgrade) {
  const RequestHead head = parse_head(
      "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n");
  std::string out;
  build_upstream_request(head, ForwardInfo{"1.2.3.4", "r", "a", false}, out);
  EXPECT_NE(out.find("Upgrade: websocket\r\n"), std::string::npos);
  EXPECT_NE(out.find("Connection: upgrade\r\n"), std::string::npos);
  EXPECT_NE(out.find("Sec-WebSocket-Key: k\r\n"), std::string::npos);
}

ResponseHead response(int status, ResponseBody body, std::uint64_t length = 0) {
  ResponseHead h;
  h.status = status;
  h.body = body;
  h.content_length = length;
  h.fields.append_target("Whatever");
  h.fields.add_header("Content-Type", "text/plain");
  h.fields.add_header("Connection", "close, X-Hop");
  h.fields.add_header("X-Hop", "1");
  h.fields.add_header("Transfer-Encoding", "chunked");
  h.fields.add_header("X-Request-Id", "app-own");
  return h;
}

TEST(HeaderRewrite, ResponseToHttp11ClientIsChunkedWhenTheAppWas) {
  std::string out;
  const auto f = build_downstream_response(response(200, ResponseBody::chunked),
                                           ResponseContext{"rid", 1, true, false}, out);
  EXPECT_EQ(f.framing, DownstreamFraming::chunked);
  EXPECT_TRUE(f.keep_alive);
  EXPECT_EQ(out.rfind("HTTP/1.1 200 Whatever\r\n", 0), 0u);
  EXPECT_NE(out.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(out.find("X-Hop"), std::string::npos);
  EXPECT_EQ(out.find("Connection"), std::string::npos);
  EXPECT_NE(out.find("X-Request-Id: rid\r\n"), std::string::npos);
  EXPECT_EQ(out.find("app-own"), std::string::npos);
}

TEST(HeaderRewrite, ResponseToHttp10ClientIsCloseDelimited) {
  std::string out;
  const auto f = build_downstream_response(response(200, ResponseBody::until_eof),
                                           ResponseContext{"rid", 0, true, false}, out);
  EXPECT_EQ(f.framing, DownstreamFraming::until_close);
  EXPECT_FALSE(f.keep_alive);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(out.find("Transfer-Encoding"), std::string::npos);
}

TEST(HeaderRewrite, ForceCloseSaysSo) {
  std::string out;
  const auto f = build_downstream_response(response(200, ResponseBody::length, 3),
                                           ResponseContext{"rid", 1, true, true}, out);
  EXPECT_FALSE(f.keep_alive);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
}

TEST(HeaderRewrite, ChunkHeaderAndRequestIds) {
  char buf[20];
  EXPECT_EQ(std::string(buf, format_chunk_header(0x1f4, buf)), "1f4\r\n");
  EXPECT_TRUE(is_acceptable_request_id("abc-123_x.y:z"));
  EXPECT_FALSE(is_acceptable_request_id(""));
  EXPECT_FALSE(is_acceptable_request_id("a b"));
  EXPECT_FALSE(is_acceptable_request_id("<script>"));
  EXPECT_FALSE(is_acceptable_request_id(std::string(129, 'a')));
}

}  // namespace
}  // namespace defender::cnaf

// Pure parts of the console: base64 and password hashes, RFC 3339 times, event batches,
// multipart forms, install bundles and console addresses, cookies and query strings.
#include <gtest/gtest.h>

#include <vector>

#include "console/api.h"
#include "console/auth.h"
#include "console/channel_protocol.h"
#include "console/client/install_bundle.h"
#include "console/crypto_util.h"
#include "console/multipart.h"

namespace defender::console {
namespace {

TEST(Crypto, Base64RoundTripsAndRefusesGarbage) {
  for (const std::string& text : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(text)), text);
  }
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(base64_decode("aGVsbG8"));
  EXPECT_FALSE(base64_decode("aGV$bG8="));
}

TEST(Crypto, PasswordHashesAreSaltedAndChecked) {
  const std::string a = hash_password("secret-password", 1000);
  const std::string b = hash_password("secret-password", 1000);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("pbkdf2-sha256$1000$", 0), 0u);
  EXPECT_TRUE(verify_password("secret-password", a));
  EXPECT_FALSE(verify_password("secret-passwore", a));
  for (const char* bad : {"", "pbkdf2-sha256$", "pbkdf2-sha256$x$aa$bb", "pbkdf2-sha256$0$AA==$AA==",
                          "md5$1$a$b", "pbkdf2-sha256$10$%%$AA=="}) {
    EXPECT_FALSE(verify_password("secret-password", bad)) << bad;
  }
}

TEST(Protocol, Rfc3339Times) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-29T08:55:34.123Z"), 1795942534123);
  EXPECT_EQ(parse_rfc3339_ms("2000-02-29T00:00:00+00:00"), 951782400000);
  for (const char* bad : {"", "2026-11-29", "2026-13-01T00:00:00Z", "2026-11-29T08:55:34+02:00",
                          "2026-11-29T08:55:34.Z", "yesterday", "2026-11-29T08:55:34"}) {
    EXPECT_FALSE(parse_rfc3339_ms(bad)) << bad;
  }
}

TEST(Protocol, EventBatchesBecomeRows) {
  const auto batch = nlohmann::json::parse(R"([
    {"time":"1970-01-01T00:00:02.000Z","app_id":"forged","type":"dns","action":"prevent","qname":"x"},
    7,
    {"type":"process"}
  ])");
  std::size_t skipped = 0;
  const auto rows = events_from_message(batch, "shop", "i-1", 99, skipped);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(skipped, 1u);
  EXPECT_EQ(rows[0].time_ms, 2000);
  EXPECT_EQ(rows[0].app_id, "shop");  // the registered app, whatever the event says
  EXPECT_EQ(rows[0].type, "dns");
  EXPECT_EQ(rows[0].action, "prevent");
  EXPECT_EQ(rows[1].time_ms, 99);
  EXPECT_EQ(nlohmann::json::parse(rows[0].json)["qname"], "x");
  EXPECT_TRUE(events_from_message(nlohmann::json::object(), "a", "b", 0, skipped).empty());
}

TEST(Protocol, CanonicalEventMessagesAreReadWithoutATree) {
  EXPECT_EQ(canonical_events_seq(R"({"type":"events","seq":42,"events":[]})"), 42);
  EXPECT_FALSE(canonical_events_seq(R"({"seq":42,"type":"events","events":[]})"));
  EXPECT_FALSE(canonical_events_seq(R"({"type":"events","seq":,"events":[]})"));
  EXPECT_FALSE(canonical_events_seq(R"({"type":"events","seq":1,"events":[])"));
  EXPECT_FALSE(canonical_events_seq(R"({"type":"policy_status","seq":1,"events":[]})"));

  // The same rows as events_from_message, the event text kept as sent.
  const std::string message =
      R"({"type":"events","seq":7,"events":[)"
      R"({"time":"1970-01-01T00:00:02.000Z","app_id":"forged","type":"dns","action":"prevent","qname":"a,}]\"b","n":{"x":[1,{"y":"}"}]}},)"
      R"(7,)"
      R"({"type":"pro\u0063ess","action":"alert"},)"
      R"({"message":"no type"})"
      R"(]})";
  std::size_t skipped = 0;
  const auto rows = rows_from_canonical_message(message, "shop", "i-1", 99, skipped);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ(skipped, 1u);
  EXPECT_EQ((*rows)[0].time_ms, 2000);
  EXPECT_EQ((*rows)[0].app_id, "shop");
  EXPECT_EQ((*rows)[0].instance, "i-1");
  EXPECT_EQ((*rows)[0].type, "dns");
  EXPECT_EQ((*rows)[0].action, "prevent");
  EXPECT_EQ(nlohmann::json::parse((*rows)[0].json)["qname"], "a,}]\"b");
  EXPECT_EQ((*rows)[1].type, "process");  // escaped: read the slow way
  EXPECT_EQ((*rows)[1].action, "alert");
  EXPECT_EQ((*rows)[2].time_ms, 99);
  EXPECT_EQ((*rows)[2].type, "");

  // Not well-formed, or not canonical: nullopt (the caller parses the slow way).
  for (const std::string bad : {R"({"type":"events","seq":1,"events":[{"a":}]})",
                                R"({"type":"events","seq":1,"events":[{"a":1}})",
                                R"({"type":"events","seq":1,"events":[{"a":1}],"x":1})",
                                R"({"type":"events","seq":1,"events":[{"a":"unclosed}]})",
                                R"({"type":"events","seq":1,"events":[[[[[[}]})"}) {
    EXPECT_FALSE(rows_from_canonical_message(bad, "a", "b", 0, skipped)) << bad;
  }
}

TEST(Multipart, ParsesFieldsAndFiles) {
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"app_id\"\r\n\r\nshop\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"dockerfile\"; filename=\"Dockerfile\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\nFROM alpine\r\nCMD [\"x\"]\r\n\r\n--XyZ--\r\n";
  const auto form = parse_multipart("multipart/form-data; boundary=XyZ", body);
  ASSERT_EQ(form.error, "");
  ASSERT_EQ(form.parts.size(), 2u);
  EXPECT_EQ(find_part(form.parts, "app_id")->data, "shop");
  EXPECT_EQ(find_part(form.parts, "dockerfile")->data, "FROM alpine\r\nCMD [\"x\"]\r\n");
  EXPECT_EQ(find_part(form.parts, "dockerfile")->filename, "Dockerfile");
  EXPECT_EQ(find_part(form.parts, "nothing"), nullptr);
  EXPECT_EQ(parse_multipart("multipart/form-data; boundary=\"XyZ\"", body).parts.size(), 2u);
}

TEST(Multipart, BadFormsGetAMessage) {
  const std::string ok_part = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n";
  const std::pair<const char*, std::string> cases[] = {
      {"text/plain", ok_part + "--b--"},
      {"multipart/form-data", ok_part + "--b--"},
      {"multipart/form-data; boundary=b", "no boundary here"},
      {"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nx"},
      {"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx"},
      {"multipart/form-data; boundary=b", "--b\r\nX-Other: 1\r\n\r\nx\r\n--b--"},
      {"multipart/form-data; boundary=b", "--bjunk"},
  };
  for (const auto& [type, body] : cases) {
    EXPECT_NE(parse_multipart(type, body).error, "") << type << " " << body;
  }
  std::string many;
  for (int i = 0; i < 20; ++i) many += ok_part;
  EXPECT_NE(parse_multipart("multipart/form-data; boundary=b", many + "--b--").error, "");
}

TEST(InstallBundle, ParsesAndRefuses) {
  std::string error;
  const auto bundle = parse_install_bundle(
      base64_encode(R"({"ws_address":"wss://c.example:8084","ca_cert":"PEM","token":"t"})"), error);
  ASSERT_TRUE(bundle) << error;
  EXPECT_EQ(bundle->ws_address, "wss://c.example:8084");
  EXPECT_EQ(bundle->token, "t");
  EXPECT_FALSE(parse_install_bundle("***", error));
  EXPECT_FALSE(parse_install_bundle(base64_encode("{}"), error));
  EXPECT_NE(error.find("ws_address"), std::string::npos);
}

TEST(InstallBundle, ConsoleAddresses) {
  std::string error;
  auto a = parse_ws_address("wss://console.example:9000/x", error);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "console.example");
  EXPECT_EQ(a->port, "9000");
  EXPECT_EQ(a->path, "/x");
  a = parse_ws_address("wss://[::1]:8084", error);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(parse_ws_address("wss://c", error)->port, "8084");
  for (const char* bad : {"ws://c:1", "https://c", "wss://:1", "wss://c:x1", "wss://[::1"}) {
    EXPECT_FALSE(parse_ws_address(bad, error)) << bad;
  }
}

TEST(Api, CookiesQueriesAndAppIds) {
  EXPECT_EQ(cookie_value("a=1; defender_session=abc; b=2", "defender_session"), "abc");
  EXPECT_EQ(cookie_value("a=1", "defender_session"), "");
  EXPECT_EQ(query_param("app_id=shop&type=dns&since=2026-01-01T00%3A00%3A00Z", "since"),
            "2026-01-01T00:00:00Z");
  EXPECT_EQ(query_param("a=1", "b"), "");
  EXPECT_EQ(url_decode("%zz%4"), "%zz%4");
  EXPECT_TRUE(valid_app_id("shop-frontend.v2:blue_1"));
  for (const char* bad : {"", "-x", "a b", "a/b", "../x"}) EXPECT_FALSE(valid_app_id(bad)) << bad;
  EXPECT_FALSE(valid_app_id(std::string(200, 'a')));
}

}  // namespace
}  // namespace defender::console

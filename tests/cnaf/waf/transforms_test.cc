// Table tests for the normalisation transforms (cnaf/waf/transforms/).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "cnaf/waf/transforms/transforms.h"

namespace defender::cnaf::waf {
namespace {

using Table = std::vector<std::pair<std::string, std::string>>;

template <typename F>
void check(const Table& table, F&& f) {
  for (const auto& [in, want] : table) {
    std::string out;
    f(in, out);
    EXPECT_EQ(out, want) << "input: " << in;
  }
}

TEST(WafTransforms, UrlDecode) {
  check(Table{{"a%20b", "a b"},
              {"%3Cscript%3E", "<script>"},
              {"a+b", "a b"},
              {"%u0041%u003c", "A<"},
              {"%zz%4", "%zz%4"},  // malformed escapes stay
              {"100%", "100%"},
              {"%c0%ae", "\xc0\xae"}},
        [](const std::string& in, std::string& out) { url_decode(in, out, true); });
  std::string out;
  url_decode("a+b", out, false);
  EXPECT_EQ(out, "a+b");
}

TEST(WafTransforms, HtmlEntities) {
  check(Table{{"&lt;b&gt;", "<b>"},
              {"&#60;&#x3C;&#0000060", "<<<"},
              {"java&Tab;script&colon;", "java\tscript:"},
              {"&quot;&apos;&amp;", "\"'&"},
              {"AT&T", "AT&T"},
              {"&#106;avascript", "javascript"}},
        [](const std::string& in, std::string& out) { html_entity_decode(in, out); });
  // Escaped markup stays escaped for the XSS detector: it is text in HTML.
  check(Table{{"&lt;script&gt;", "&lt;script&gt;"}, {"&#60;b&#62;", "&lt;b&gt;"}, {"&quot;", "\""}},
        [](const std::string& in, std::string& out) { html_entity_decode(in, out, true); });
}

TEST(WafTransforms, JsUnescape) {
  check(Table{{"\\x3cscript\\x3e", "<script>"},
              {"\\u0061lert", "alert"},
              {"\\u{61}", "a"},
              {"\\101", "A"},
              {"\\'\\\"", "'\""},
              {"C:\\path", "C:\\path"}},
        [](const std::string& in, std::string& out) { js_unescape(in, out); });
}

TEST(WafTransforms, Utf8Fold) {
  check(Table{{"\xc0\xae\xc0\xae/", "../"},
              {"\xe0\x80\xae", "."},
              {"\xef\xbc\x9cscript\xef\xbc\x9e", "<script>"},  // full-width < >
              {std::string("a\0b", 3), "ab"},
              {"caf\xc3\xa9", "caf\xc3\xa9"},
              // the no-break space, in UTF-8 or a Latin-1 byte alone, is a blank; an 0xA0
              // continuation byte ("\xc3\xa0": à) is not
              {"1\xc2\xa0UNION\xc2\xa0SELECT", "1 UNION SELECT"},
              {"1\xa0UNION\xa0SELECT", "1 UNION SELECT"},
              {"\xc3\xa0 la carte", "\xc3\xa0 la carte"},
              // circled digits and letters (NFKC): "①②⑦.⓪.⓪.①", "⑳", "Ⓛⓞ"; an arrow stays
              {"\xe2\x91\xa0\xe2\x91\xa1\xe2\x91\xa6.\xe2\x93\xaa.\xe2\x93\xaa.\xe2\x91\xa0", "127.0.0.1"},
              {"\xe2\x91\xb3", "20"},
              {"\xe2\x93\x81\xe2\x93\x9e", "Lo"},
              {"a\xe2\x86\x92" "b", "a\xe2\x86\x92" "b"}},
        [](const std::string& in, std::string& out) { utf8_fold(in, out); });
}

TEST(WafTransforms, DecodeAllStacksLayers) {
  check(Table{{"%253Cscript%253E", "<script>"},
              {"%26%2360%3B", "&lt;"},  // an entity for '<' stays an entity
              {"%5Cu0027", "'"},
              {"%c0%af", "/"},
              {"1%A0OR%A01", "1 OR 1"},
              {"plain", "plain"}},
        [](const std::string& in, std::string& out) {
          std::string tmp;
          decode_all(in, out, tmp);
        });
}

TEST(WafTransforms, ShellFold) {
  check(Table{{"c'a't /e\"t\"c/passwd", "cat /etc/passwd"},
              {"cat${IFS}/etc/passwd", "cat /etc/passwd"},
              {"cat$IFS/etc", "cat /etc"},
              {"w\\ho\\am\\i", "whoami"},
              {"c$@at", "cat"},
              {"a \t  b", "a b"}},
        [](const std::string& in, std::string& out) { shell_fold(in, out); });
}

TEST(WafTransforms, PathNormalize) {
  struct Case {
    std::string in, want;
    int above;
  };
  for (const auto& c : std::vector<Case>{{"/a/./b//c", "/a/b/c", 0},
                                         {"/a/b/../c", "/a/c", 0},
                                         {"../../etc/passwd", "etc/passwd", 2},
                                         {"/..\\..\\windows", "/windows", 2},
                                         {"a/b/", "a/b/", 0}}) {
    std::string out;
    EXPECT_EQ(path_normalize(c.in, out), c.above) << c.in;
    EXPECT_EQ(out, c.want) << c.in;
  }
}

TEST(WafTransforms, Base64OnlyWhenPlainlyBase64) {
  std::string out;
  EXPECT_TRUE(base64_plain("PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", out));
  EXPECT_EQ(out, "<script>alert(1)</script>");
  EXPECT_FALSE(base64_plain("hello world", out));           // not the alphabet
  EXPECT_FALSE(base64_plain("0123456789abcdef0123", out));  // hex: no upper case
  EXPECT_FALSE(base64_plain("short", out));
  EXPECT_FALSE(base64_plain("/9j/4AAQSkZJRgABAQAAAQABAAD", out));  // binary (JPEG)
}

TEST(WafTransforms, SqlFold) {
  check(Table{{"UNION/**/SELECT", "union select"},
              {"1 /*!50000union*/ select", "1 union select"},
              {"a -- comment\nb", "a b"},
              {"a#x\nb", "a b"},
              {"a \t\n b", "a b"}},
        [](const std::string& in, std::string& out) { sql_fold(in, out); });
}

TEST(WafTransforms, MaskCodeKeepsLengthAndBlanksQuotedCode) {
  const std::string in = "Try this:\n```\nrm -rf /\n```\nor `cat /etc/passwd` [code]<b>[/code] ok";
  std::string out;
  EXPECT_TRUE(mask_code(in, out));
  EXPECT_EQ(out.size(), in.size());
  EXPECT_EQ(out.find("rm -rf"), std::string::npos);
  EXPECT_EQ(out.find("cat /etc"), std::string::npos);
  EXPECT_EQ(out.find("<b>"), std::string::npos);
  EXPECT_NE(out.find("Try this:"), std::string::npos);
  EXPECT_NE(out.find(" ok"), std::string::npos);
  EXPECT_TRUE(looks_like_prose("a\nb"));
  EXPECT_FALSE(looks_like_prose("1' or 1=1--"));
}

TEST(WafTransforms, MaskCodeIndentedBlocksNeedABlankLineFirst) {
  std::string out;
  // After a blank line, indented lines are a code block, and so are the indented lines after.
  const std::string block = "Here:\n\n    rm -rf /\n    cat /etc/passwd\nthanks";
  EXPECT_TRUE(mask_code(block, out));
  EXPECT_EQ(out.find("rm -rf"), std::string::npos);
  EXPECT_EQ(out.find("cat /etc"), std::string::npos);
  EXPECT_NE(out.find("thanks"), std::string::npos);
  // Right after text, an indented line continues the paragraph: a URL split by tabs stays.
  const std::string split = "<iframe src=j\n\ta\n\t\tv\n\t\t\ta\n\ts\n\tc\n\tr\n\ti\n\tp\n\tt\n\t:x>";
  mask_code(split, out);
  EXPECT_EQ(out, split);
}

}  // namespace
}  // namespace defender::cnaf::waf

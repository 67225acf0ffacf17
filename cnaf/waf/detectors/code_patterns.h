// Code-injection patterns too large to sit inline in code_injection_detector.cc: Java gadget
// names hidden in base64, PHP configuration directives, PHP upload and session file names,
// and PHP's dynamic calls. Each is a pure function over one decoded value, linear in its
// size. Internal to the detectors (not part of the WAF's interface).
#pragma once

#include <string_view>

#include "cnaf/waf/inspected.h"

namespace defender::cnaf::waf {

// Base64 text (either alphabet, any of the three byte alignments) that encodes the name of a
// class Java exploits use (Runtime, ProcessBuilder, commons-collections transformers...):
// what a base64 serialized object carries. `text` is the value as sent (case matters).
bool java_base64_gadget(std::string_view text, Hit& hit);

// "auto_prepend_file=...", "opcache.jit=...": the whole value sets a PHP ini directive
// (PHP-CGI "-d" injection, .user.ini uploads). `s` is lower case.
bool php_ini_directive(std::string_view s);

// An uploaded file name PHP would run or read as code: a PHP extension in any dot
// segment ("x.php.jpg", "x.php5", "x. phtml"), or a PHP session file ("sess_<id>").
// `s` is lower case. Returns the reason, or empty.
std::string_view php_upload_name(std::string_view s);

// PHP calls whose callee is computed: a variable with indexes ($a[$b[1]](7), $x{0}(1),
// $o->$m(), C::$f()), or a string or expression result called with an argument
// ("sys"."tem"('id'), (string)"system"('id'), (x)('uname')). `s` is lower case; free text
// (`prose`) is never read as such code.
bool php_dynamic_call(std::string_view s, bool prose, Hit& hit);

// The whole value is one PHP call of a function of PHP's library (array_diff(...),
// posix_getegid(), curl_init()), blanks and comments allowed before the '('.
bool php_library_call(std::string_view s, Hit& hit);

// PHP comments and blanks, as PHP skips them between tokens: the index of the next token.
std::size_t php_skip(std::string_view s, std::size_t i);

}  // namespace defender::cnaf::waf

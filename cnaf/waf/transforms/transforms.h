// Normalisation transforms: pure functions from an attacker-controlled string to a canonical
// one (ModSecurity's t:... idea). Each appends to `out` (cleared first), runs in one linear
// pass, and allocates only when `out` must grow. They return true when the text changed.
// One file each under transforms/, each with its table test in tests/cnaf/waf/.
#pragma once

#include <string>
#include <string_view>

namespace defender::cnaf::waf {

// %XX and %uXXXX (to UTF-8); `plus_as_space` for form and query encoding. Malformed escapes
// are kept as they are.
bool url_decode(std::string_view in, std::string& out, bool plus_as_space = false);

// &lt; &gt; &amp; &quot; &apos; &colon; &lpar; &rpar; &sol; &bsol; &Tab; &NewLine; &period;
// &#DDD; &#xHH; (the ';' optional, as browsers accept), to UTF-8.
// With `keep_angle`, "&lt;" "&gt;" and their numeric forms stay encoded: an escaped tag is
// text in HTML, never markup, so the XSS detector must not see a tag there.
bool html_entity_decode(std::string_view in, std::string& out, bool keep_angle = false);

// JavaScript / JSON / C escapes: \xHH \uHHHH \u{H..} \OOO and \n \t \r \' \" \\ \/.
bool js_unescape(std::string_view in, std::string& out);

// Folds what a lax UTF-8 decoder would read as ASCII: overlong 2- and 3-byte forms
// (C0 AE -> '.'), full-width forms (U+FF01..FF5E) and drops NUL bytes.
bool utf8_fold(std::string_view in, std::string& out);

// UTF-7 ("+ADw-script+AD4-"): runs that encode markup punctuation only (< > " ' ( ) = ...)
// become that punctuation; anything else ("C++", "+1-555") is left alone.
bool utf7_decode(std::string_view in, std::string& out);

// Everything an attacker may stack: repeated URL, HTML, JS and UTF-8 decoding until nothing
// changes (at most `max_rounds`). `tmp` is scratch space.
// HTML entities for '<' and '>' are kept encoded (see html_entity_decode).
void decode_all(std::string_view in, std::string& out, std::string& tmp, int max_rounds = 4);

// ASCII lower case.
void to_lower(std::string_view in, std::string& out);

// Shell de-obfuscation: drops quotes and backslash escapes ("c'a't" -> "cat"), replaces
// ${IFS}, $IFS, and empty expansions ($@, $9, ${x:0:0}) by a space or nothing, collapses blanks.
bool shell_fold(std::string_view in, std::string& out);

// Path normalisation: backslash to '/', doubled slashes collapsed, "./" dropped, "../"
// resolved. Returns the number of ".." segments that climbed above the start (0: none).
int path_normalize(std::string_view in, std::string& out);

// When `in` is plainly base64 (>= 16 chars, only the alphabet, valid padding) and decodes to
// mostly printable text, writes the text to `out` and returns true.
bool base64_plain(std::string_view in, std::string& out);

// SQL comment and whitespace folding: comments become one space (MySQL "/*!...*/" keeps its
// content), runs of whitespace one space; lower case.
void sql_fold(std::string_view in, std::string& out);

// True for free text (a newline between two lines, or at least six blanks): forum posts,
// comments, messages.
bool looks_like_prose(std::string_view text);

// Blanks (same length, newlines kept) the code that Markdown and BBCode render as text: ```
// fences, `inline` spans, [code]...[/code], indented lines. Quoted code is shown, never run;
// raw HTML <pre>/<code> is not masked, as a browser would parse markup inside it.
bool mask_code(std::string_view in, std::string& out);

}  // namespace defender::cnaf::waf

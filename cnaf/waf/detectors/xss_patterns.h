// XSS patterns kept out of xss_detector.cc for size: obfuscated tag names, JSFuck, DOM
// access hidden by comments and brackets, markup whose brackets lost their high bit. Pure
// functions over one decoded, lower-case value, linear in its size. Internal to detectors/.
#pragma once

#include <string>
#include <string_view>

#include "cnaf/waf/inspected.h"

namespace defender::cnaf::waf {

// "<f o r m", "< s c r i p t", "<x:script", "<:vmlframe", "<?import": a dangerous tag
// name written with separators between its letters, a namespace prefix, or as a processing
// instruction. Returns the tag name's end in `s` (after `lt`), or npos.
std::size_t obfuscated_tag(std::string_view s, std::size_t lt);

// JSFuck and its relatives: a run of only []()!+ that builds values out of "![]" and "+[]".
bool jsfuck(std::string_view s, Hit& hit);

// DOM objects and properties reached around comments, blanks, parentheses and bracket
// notation: "document /*x*/ . cookie", "(document)['cookie']", "self [ 'alert' ]('x')",
// "[] . sort . call ` ${ alert } `". In free text (`prose`) blanks around a dot do not count.
bool hidden_dom_access(std::string_view s, bool prose, Hit& hit);

// Markup whose '<' '>' arrive as bytes with the high bit set ("\xbcscript\xbe" read by a
// US-ASCII decoder that drops the bit), possibly as UTF-8 ("\xc2\xbc"). `raw` is the text
// before lower-casing. `out` is scratch space. True on a script tag or event handler.
bool high_bit_markup(std::string_view raw, std::string& out, Hit& hit);

// A CSS hex escape at `backslash` (s[backslash] is '\\'): up to six hex digits, their code
// point in `cp`. Returns the index after the digits (backslash + 1: none).
std::size_t css_escape(std::string_view s, std::size_t backslash, unsigned long& cp) noexcept;

// A CSS value as the CSS parser reads it: comments dropped, hex escapes ("\\6a", "\\0075 ")
// decoded, other backslashes and blanks dropped; lower case. True when what is left runs
// script: expression(, javascript:, behavior:, -moz-binding.
bool css_runs_script(std::string_view value);

}  // namespace defender::cnaf::waf

// The plain-words path: most values of forms, queries and JSON documents are words, numbers,
// blanks and commas once decoded ("Some ordinary text, with punctuation and numbers 31").
// Of the detectors only three can match such a value: SQL made of words (sqli_possible), a
// command led by a program's name (cmdi_possible) and Java markers in base64 (code
// injection); every other detector, the protocol checks and the base64 re-reading need a
// character it lacks. One pass decodes, profiles and lower-cases the value, and those three
// answer, instead of the general path's dozen passes (Transaction::inspect_decoded). A period
// that ends a sentence ("Nothing special. Thanks.") is plain too; code injection and NoSQL
// needles end in one ("session.", "db."), so those two detectors read such a value as well.
// Internal to the Waf; checked against the detectors by tests/cnaf/waf/plain_words_test.cc.
#pragma once

#include <cstddef>
#include <string_view>

#include "cnaf/waf/inspected.h"

namespace defender::cnaf::waf {

// The longest value the path reads: longer ones may hold padding runs, which the general
// path folds first.
inline constexpr std::size_t kPlainWordsMax = 256;

// True: `raw` (from `source`, URL-encoded or not) decodes to letters, digits, blanks, commas
// and periods after a word (before a blank or the end), with at least one blank or comma, and
// no detector can match it: it is clean, as the
// general path would find it. False: not such a value, or one a prefilter keeps; the general
// path decides.
bool plain_words_clean(Source source, std::string_view raw, bool url_encoded);

}  // namespace defender::cnaf::waf

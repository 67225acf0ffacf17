// The token shapes the sqli detector matches (sqli_shapes.cc), shared by its two files:
// sqli_detector.cc (where the value takes over the query) and sqli_fragments.cc (values that
// are a piece of SQL on their own). All read a SqlTokens list; none allocates.
#pragma once

#include <cstddef>
#include <string_view>

#include "cnaf/waf/detectors/sql_tokenizer.h"
#include "cnaf/waf/inspected.h"

namespace defender::cnaf::waf::sqli {

inline bool is_value(char t) { return t == '1' || t == 's' || t == 'v'; }
// "all" or "distinct" at i: the set quantifiers of union and select.
inline bool quantifier(const SqlTokens& t, std::size_t i) {
  return t.type(i) == 'k' && (t.word(i) == kWordAll || t.word(i) == kWordDistinct);
}

// '=' '<>' 'like' 'is' ... at token i.
bool comparison(const SqlTokens& t, std::size_t i);

// Reads as an operand that makes a boolean test: `1=1`, `'a'='a'`, `sleep(5)`, `(select`.
bool strong_operand(const SqlTokens& t, std::size_t i);

// What the arguments of the call at i (an 'f' then '(') hold, read up to the matching ')'
// or the end of the tokens.
struct CallArgs {
  std::size_t end = 0;        // index of the token after the closing ')' (or size())
  bool closed = false;        // the ')' was found
  bool empty = false;         // nothing between the parentheses
  bool subquery = false;      // a select / statement inside
  bool special = false;       // sleep(), benchmark(), load_file() ... inside
  bool literal_test = false;  // value = value inside: elt(1=1,...)
  bool test = false;          // any comparison inside
  bool nested = false;        // another built-in function called inside
  bool prose = false;         // three words in a row: text in parentheses, not SQL
};
CallArgs call_args(const SqlTokens& t, std::size_t i);

// f(1=1, ...) / f((select ...)) / sleep(...): a function whose argument is a test or a subquery.
bool loaded_call(const SqlTokens& t, std::size_t i);

// Evidence that what follows "union select" / "select" is a column list, not prose.
bool select_list(const SqlTokens& t, std::size_t i);

// A statement at token i that is unmistakably SQL.
bool statement(const SqlTokens& t, std::size_t i);

// The shapes of an injection at token i, where the value takes over the query.
bool takeover(const SqlTokens& t, std::size_t i, bool after_quote);

void set_hit(const SqlTokens& t, std::size_t from, std::size_t to, std::string_view reason,
             Hit& hit);

// A comment at token i that names sp_password: MSSQL leaves a statement mentioning it out
// of its trace, so the injection is hidden from the log ("1'--sp_password").
bool sp_password_comment(const SqlTokens& t, std::string_view text, std::size_t i);

// Values that are a piece of SQL on their own (sqli_fragments.cc): a built-in function
// call, a condition or clause cut out of a query, a PostgreSQL cast, an expression closed
// by a comment. `t` is the bare-context tokenization of `text`.
bool fragment(const SqlTokens& t, std::string_view text, Hit& hit);

// Constructs that are SQL wherever they appear in a value (sqli_fragments.cc).
// Judges the shapes starting at tokens [first, last) of `t`; the tokens before `first` give
// context only. `prose`, when given, carries "a phrase was seen" across the windows a long
// value is read in (sqli_detector.cc) and is updated.
bool anywhere(const SqlTokens& t, std::string_view text, Hit& hit, std::size_t first = 0,
              std::size_t last = SqlTokens::kMaxTokens, bool* prose = nullptr);

}  // namespace defender::cnaf::waf::sqli

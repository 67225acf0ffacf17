// SQL injection: the value is read as SQL from four starting contexts (bare, inside '...',
// inside "...", inside a MySQL `identifier`; the quoted ones also without backslash
// escapes, as standard SQL reads them), and the first tokens after the point where the
// value takes control of the query are matched against the shapes an injection must have: a boolean tautology, a union,
// a stacked statement, a clause, a comment cutting the rest of the query. Prose and code that
// merely contain SQL words do not have those shapes at that point. A second pass over the
// whole value looks for constructs that are SQL wherever they are (union select with a column
// list, time-delay functions after and/or, into outfile, stacked drop/exec/shutdown), and a
// third for values that are a piece of SQL on their own (sqli_fragments.cc).
#include <array>

#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/detectors/sql_tokenizer.h"
#include "cnaf/waf/detectors/sqli_shapes.h"
#include "cnaf/waf/transforms/hex.h"

namespace defender::cnaf::waf {
namespace {

using namespace sqli;

// A comment that only cuts the rest of the query: "--", "-- ", "#", "/*" (3 bytes at most).
bool cut(const SqlTokens& t, std::size_t i) { return t.type(i) == 'c' && t[i].len <= 3; }

// Bare context: the value is a number or a name pasted into the query.
bool bare(const SqlTokens& t, std::string_view text, Hit& hit) {
  const auto text_at = [&](const SqlTokens& tk, std::size_t k) { return text.substr(tk[k].pos, tk[k].len); };
  std::size_t i = 0;
  // A bracket closed first: the value ends the query's expression, then takes over
  // (") OR (SELECT password FROM users)").
  if (t.type(0) == ')' && takeover(t, 0, false)) {
    set_hit(t, 0, 4, "SQL injection after a closing bracket", hit);
    return true;
  }
  while (t.type(i) == '(') ++i;
  if (t.type(i) == 'o' && (t.word(i) == 0)) ++i;  // -1 / +1
  const char a = t.type(i);
  if (a == 'E' && statement(t, i)) {
    set_hit(t, i, i + 4, "SQL statement", hit);
    return true;
  }
  if (a == 'v' && t.type(i + 1) == '\0' && t[i].len > 3 && text_at(t, i).starts_with("@@")) {
    set_hit(t, i, i + 1, "SQL system variable", hit);
    return true;
  }
  if (a == ';' && statement(t, i + 1)) {
    set_hit(t, i, i + 4, "stacked SQL statement", hit);
    return true;
  }
  if (a == 'B' && i == 0 && t.type(i + 1) == '1' && (t.type(i + 2) == ',' || t.type(i + 2) == 'c')) {
    set_hit(t, i, i + 4, "SQL clause", hit);  // limit 0,1--
    return true;
  }
  if (a == 'U' && quantifier(t, i + 1) && t.type(i + 2) == '(') ++i;
  if (a == 'U' && (t.type(i + 1) == 'E' || (t.type(i + 1) == '(' && t.type(i + 2) == 'E'))) {
    set_hit(t, i, i + 3, "SQL union select", hit);
    return true;
  }
  if (a == '&' && i == 0 &&
      (t.type(i + 1) == 'f' || (t.type(i + 1) == '(' && strong_operand(t, i + 1)) ||
       (is_value(t.type(i + 1)) && t.type(i + 2) == 'o' && t.word(i + 2) == kWordCompare))) {
    set_hit(t, i, i + 4, "SQL boolean injection", hit);  // "OR 1=1", "or sleep(5)"
    return true;
  }
  if (a == 'f' && (t.word(i) == kWordSleepy || t.word(i) == kWordDangerous)) {
    set_hit(t, i, i + 3, "SQL time-delay or side-effect function", hit);  // sleep(20), load_file(
    return true;
  }
  if (a == 'f' && t.word(i) == kWordInfo && t.type(i + 1) == '(' &&
      (t.type(i + 2) == ')' || t.type(i + 2) == '\0')) {
    set_hit(t, i, i + 3, "SQL information function", hit);  // current_user(), database(
    return true;
  }
  if (loaded_call(t, i)) {
    set_hit(t, i, i + 5, "SQL function with a test or subquery", hit);  // elt(1=1,2), iif(...)
    return true;
  }
  if (a == 'f' && t.type(i + 1) == '(') {
    // A function call as the whole value, then SQL: version() union select ...
    std::size_t depth = 0, k = i + 1;
    for (; k < t.size(); ++k) {
      if (t.type(k) == '(') ++depth;
      if (t.type(k) == ')' && --depth == 0) break;
    }
    if (k < t.size() && depth == 0 && takeover(t, k + 1, false)) {
      set_hit(t, i, k + 4, "SQL injection after a function call", hit);
      return true;
    }
    return false;
  }
  if (a != '1' && a != 'n' && a != 'v') return false;
  std::size_t j = i + 1;
  while (t.type(j) == ')') ++j;
  const char b = t.type(j);
  if (a == 'n') {
    // A word then SQL: stricter, as prose is words.
    if (b == '&' && (strong_operand(t, j + 1) || t.type(j + 1) == '{') && t.type(j + 1) != 's') {
      set_hit(t, i, j + 4, "SQL boolean injection", hit);
      return true;
    }
    if (b == 'U' && ((t.type(j + 1) == 'E' && select_list(t, j + 2) &&
                      (t.type(j + 2) != 'n' || t.type(j + 3) != '\0')) ||
                     (t.type(j + 1) == '(' && t.type(j + 2) == 'E' && select_list(t, j + 3)))) {
      set_hit(t, i, j + 4, "SQL union", hit);
      return true;
    }
    if (b == 'B' && ((t.type(j + 1) == '1' && text_at(t, j + 1)[0] >= '0' && text_at(t, j + 1)[0] <= '9') ||
                     t.word(j) != 0 ||
                     (t.type(j + 1) == '(' &&  // id having (1 or 1)
                      (strong_operand(t, j + 1) || (is_value(t.type(j + 2)) && t.type(j + 3) == '&'))))) {
      set_hit(t, i, j + 3, "SQL clause injection", hit);
      return true;
    }
    if (b == ';' && (statement(t, j + 1) || (t.type(j + 1) == 'f' && loaded_call(t, j + 1)))) {
      set_hit(t, i, j + 4, "stacked SQL statement", hit);  // FOO);IF((1=2),SELECT ...
      return true;
    }
    if (b == ',' && loaded_call(t, j + 1)) {
      set_hit(t, i, j + 4, "SQL function with a test or subquery", hit);  // FOO,IIF(1=2,...)
      return true;
    }
    if (b == 'E' && j > i + 1 && statement(t, j)) {  // FOO)) WAITFOR DELAY '0:0:5'--
      set_hit(t, i, j + 4, "SQL statement after a closed expression", hit);
      return true;
    }
    return false;
  }
  if (b == 'o' && t.word(j) == 0 && (t.type(j + 1) == '(' && t.type(j + 2) == 'E')) {
    set_hit(t, i, j + 4, "SQL subquery", hit);
    return true;
  }
  if (a == '1') {
    // A union or a select keyword between numbers, cut by a comment: broken SQL, but an
    // attempt all the same ("-6374 union 1,2,3--", "-747 select union 1,2/*", "-2 order
    // select 1/*"). Prose has words after such a keyword ("2 union workers --"), or says
    // something in its comment ("1 union 2 -- see below").
    const auto union_or_select = [&](std::size_t k) {
      return t.type(k) == 'U' || (t.type(k) == 'E' && t.word(k) == kWordSelect);
    };
    std::size_t k = j + (t.type(j) == 'n' || t.type(j) == 'B' ? 1 : 0);
    if (union_or_select(k)) {
      k += union_or_select(k + 1) ? 2 : 1;
      if (t.type(k) == '1' && cut(t, t.size() - 1)) {
        set_hit(t, i, k + 1, "SQL union or select between numbers, cut by a comment", hit);
        return true;
      }
    }
    // Arithmetic on an SQL-only function of a literal, as the whole value: "1 - ORD('A')",
    // "5 + ascii(x)" (the back end answers with the computed row).
    if (b == 'o' && t.word(j) == 0 && t.type(j + 1) == 'f' &&
        (t.word(j + 1) == kWordFunc || t.word(j + 1) == kWordCommonFunc) && t.type(j + 2) == '(' &&
        (is_value(t.type(j + 3)) || t.type(j + 3) == 'n') && t.type(j + 4) == ')' && t.type(j + 5) == '\0') {
      set_hit(t, i, j + 5, "SQL arithmetic on a function", hit);
      return true;
    }
    // A boolean on a value in brackets, then a clause, a union or a cutting comment: "14/**/or(1)group by".
    if (b == '&' && t.type(j + 1) == '(' && is_value(t.type(j + 2)) && t.type(j + 3) == ')' &&
        (t.type(j + 4) == 'B' || t.type(j + 4) == 'U' || cut(t, j + 4))) {
      set_hit(t, i, j + 5, "SQL boolean injection", hit);
      return true;
    }
    // A number, then a probe of the server and a clause, a union or a comment: "19 version()
    // LIMIT 1,1".
    if (b == 'f' && (t.word(j) == kWordProbe || t.word(j) == kWordInfo) && t.type(j + 1) == '(' &&
        t.type(j + 2) == ')' && (t.type(j + 3) == 'B' || t.type(j + 3) == 'U' || t.type(j + 3) == 'c')) {
      set_hit(t, i, j + 4, "SQL server probe after a number", hit);
      return true;
    }
  }
  if (b == 'o' && t.word(j) == 0 && (is_value(t.type(j + 1)) || t.type(j + 1) == 'n')) {
    // 1=1 or ... / 1-0 and ... / (1)*hope and 8=3
    std::size_t k = j + 2;
    while (t.type(k) == ')') ++k;
    if (t.type(k) == '&' && strong_operand(t, k + 1)) {
      set_hit(t, i, k + 3, "SQL boolean injection", hit);
      return true;
    }
  }
  if (cut(t, j) && t.type(j + 1) == '\0' && j == i + 1) {
    set_hit(t, i, j + 1, "SQL comment after a value", hit);
    return true;
  }
  if (b == 'c') {
    if (t.type(j + 1) == '\0') return false;
    ++j;  // "-1 #note\nunion (select ...)": the comment hides nothing
  }
  if (takeover(t, j, false)) {
    set_hit(t, i, j + 4, "SQL injection", hit);
    return true;
  }
  return false;
}

bool quoted(const SqlTokens& t, std::string_view text, Hit& hit, bool backtick = false) {
  if (!t.closed() || t.size() < 2) return false;
  // What precedes the closing quote is the value the query expected: an injection has a
  // short one (often nothing); prose and code with quotes have sentences there.
  const std::string_view prefix = text.substr(0, t[0].len - 1);
  std::size_t spaces = 0;
  for (const char c : prefix) {
    if (c == '\n' || c == '\r') return false;
    spaces += c == ' ' || c == '\t';
  }
  if (spaces > 2 || prefix.size() > 64) return false;
  // A `identifier` has no blanks, and Markdown writes `code` spans: after a backtick only
  // what ends an identifier counts (an alias, a cut, a stacked statement).
  if (backtick && (spaces > 0 || t.type(1) == 'E' || t.type(1) == 'U' || t.type(1) == 'n' ||
                   t.type(1) == 'f' || t.type(1) == '1'))
    return false;
  if (t.type(1) == 'c' && spaces > 0) return false;
  // A value that opens with a quoted word ("LIKE" stamp, 'select' few) quotes a phrase.
  if (prefix.empty() && t.type(1) != '\0' && text.size() > 1) {
    const char q = text[0];
    const std::size_t close = text.find(q, 1);
    if (close != std::string_view::npos && close > 1) {
      bool word = true;
      for (std::size_t k = 1; k < close; ++k) {
        const char c = text[k];
        word &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      }
      // ... then a blank or the end: 'or'1 is not a quoted word.
      const char after = close + 1 < text.size() ? text[close + 1] : ' ';
      const bool glued = (after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z') ||
                         (after >= '0' && after <= '9');
      if (word && !glued) return false;
    }
  }
  if (sp_password_comment(t, text, 1)) {
    set_hit(t, 1, 2, "SQL comment hiding the query from the trace (sp_password)", hit);
    return true;
  }
  if (takeover(t, 1, true)) {
    set_hit(t, 1, 5, "SQL injection after a closing quote", hit);
    return true;
  }
  // An arithmetic expression, then a union: "'-@a1-@a union select us3rs from table1".
  {
    std::size_t k = 1;
    bool op = false;
    while (k < t.size() && k < 10 &&
           (t.type(k) == 'o' || t.type(k) == 'v' || t.type(k) == '1' || t.type(k) == 'n' || t.type(k) == ')')) {
      op |= t.type(k) == 'o' && t.word(k) == 0;
      ++k;
    }
    if (op && t.type(k) == 'U' && takeover(t, k, true)) {
      set_hit(t, 1, k + 3, "SQL union after an expression closing a quote", hit);
      return true;
    }
  }
  // The value ends by opening a string that the query's own closing quote ends ('1, "a): an
  // expression between the two quotes, "A' OR 'B", "aa'or column*0='0", "1\"OR!\"a",
  // "aa'^!'aa", "'<~'", "1' OR '1' XOR '0"; or the expression ends in a comment that cuts the
  // query's quote ("aa'^0+1-1=(0)-- -a"). Blanks around the value do not count; inside, the
  // opening and closing strings hold none (prose quotes phrases).
  {
    const std::size_t n = t.size();
    const SqlToken& last = t[n - 1];
    const auto trim = [](std::string_view x) {
      while (!x.empty() && (x.front() == ' ' || x.front() == '\t')) x.remove_prefix(1);
      while (!x.empty() && (x.back() == ' ' || x.back() == '\t')) x.remove_suffix(1);
      return x;
    };
    const auto in = [&](std::size_t k) { return t.type(k) == 'k' && t.word(k) == kWordIn; };
    const bool ends_in_string =
        t.type(n - 1) == 's' && t.word(n - 1) == kWordUnclosed && text[last.pos] == text[prefix.size()] &&
        (t.type(n - 2) == 'o' || t.type(n - 2) == '&') &&
        // a value ending in the quote: two operators or more ("'=+'", not "select 'and'")
        (last.len >= 2 || n >= 4) &&
        trim(text.substr(last.pos, last.len)).find_first_of(" \t") == std::string_view::npos;
    const bool ends_in_comment = t.type(n - 1) == 'c' && n >= 4 &&
                                 (is_value(t.type(n - 2)) || t.type(n - 2) == ')' || t.type(n - 2) == 'n');
    bool expression = n >= 3 && !t.truncated() && (t.type(1) == '&' || t.type(1) == 'o' || in(1)) &&
                      last.len <= 16 && (ends_in_string || ends_in_comment) &&
                      trim(prefix).find_first_of(" \t") == std::string_view::npos;
    // (a run of one unary operator counts once: "= !!!!!!!!'0")
    std::size_t length = 3;
    for (std::size_t k = 2; expression && k + 1 < n; ++k) {
      const char c = t.type(k);
      expression = (c == 'n' || c == '1' || c == 'v' || c == 's' || c == 'o' || c == '&' || c == '(' ||
                    c == ')' || c == 'f' || in(k)) &&
                   !(c == 'n' && t.type(k + 1) == 'n');
      length += !(c == 'o' && t.type(k - 1) == 'o' && t[k].len == 1 && t[k - 1].len == 1 &&
                  text[t[k].pos] == text[t[k - 1].pos]);
    }
    if (expression && length <= 24) {
      set_hit(t, 1, n, "SQL expression between the query's quotes", hit);
      return true;
    }
  }
  // The value closes a string inside a values list, ends the list and goes on:
  // x', '4', '2');declare @q ...
  if (t.type(1) == ',') {
    std::size_t k = 1;
    while (t.type(k) == ',' && (t.type(k + 1) == 's' || t.type(k + 1) == '1')) k += 2;
    if (k > 1 && t.type(k) == ')' && takeover(t, k, true)) {
      set_hit(t, 1, k + 3, "SQL injection after a closing quote", hit);
      return true;
    }
  }
  // A value that opens by closing the query's string, then and/or and an operand: ' or x.
  const bool no_more_quotes = text.find(text[0], 1) == std::string_view::npos;
  if (prefix.empty() && t.type(1) == '&' && t.type(3) != 's' &&  // not "and output" the
      (t.type(2) == 'n' || t.type(2) == '1' || t.type(2) == '(')) {
    set_hit(t, 1, 3, "SQL boolean injection after a closing quote", hit);
    return true;
  }
  // "1 or 1-: the same with a value first, when nothing quotes again.
  if (prefix.empty() && no_more_quotes && (t.type(1) == '1' || t.type(1) == 'n') && t.type(2) == '&' &&
      (t.type(3) == 'n' || t.type(3) == '1' || t.type(3) == '(')) {
    set_hit(t, 1, 3, "SQL boolean injection after a closing quote", hit);
    return true;
  }
  // A value that opens by closing the query's string, then union / alter / drop, and never
  // quotes again: 'union select..., " ALTER ...
  if (prefix.empty() && (t.type(1) == 'U' || (t.type(1) == 'E' && t.word(1) != kWordSelect &&
                                              t.word(1) != kWordBegin)) &&
      t.type(2) != '\0' && text.find(text[0], 1) == std::string_view::npos) {
    set_hit(t, 1, 3, "SQL statement after a closing quote", hit);
    return true;
  }
  return false;
}

// MySQL implicit conversion: an operator between two single quotes is the whole value ("'-'",
// "' OR '", "'&&'"), or stands between two words ("a '^' b"): inside the query's own quotes
// it reads '' - '', 'a' ^ 'b', an expression on two strings instead of one string.
bool quoted_operator(std::string_view s, Hit& hit) {
  const auto word = [&](std::size_t& k) {
    const std::size_t b = k;
    while (k < s.size() && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9'))) ++k;
    return k > b;
  };
  const auto blanks = [&](std::size_t& k) {
    while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
  };
  std::size_t k = 0;
  const bool lead = word(k);
  if (lead && (k >= s.size() || s[k] != ' ')) return false;
  blanks(k);
  // Single quotes only: '"*"' is how people search for a literal star.
  if (k >= s.size() || s[k] != '\'') return false;
  ++k;
  blanks(k);
  static constexpr std::array<std::string_view, 18> kOperators = {
      "&&", "||", "and", "or", "xor", "div", "mod", "regexp", "rlike", "&", "|", "^", "/", "-", "%", "+", "*", "<=>"};
  std::size_t op = 0;
  for (const std::string_view o : kOperators) {
    if (s.compare(k, o.size(), o) == 0) {
      op = o.size();
      break;
    }
  }
  if (op == 0) return false;
  const bool keyword = s[k] >= 'a' && s[k] <= 'z';
  k += op;
  if (keyword && k < s.size() && s[k] >= 'a' && s[k] <= 'z') return false;  // "'order'"
  blanks(k);
  if (k >= s.size() || s[k] != '\'') return false;
  ++k;
  if (lead) {
    if (k >= s.size() || s[k] != ' ') return false;
    blanks(k);
    if (!word(k)) return false;
  }
  if (k != s.size()) return false;
  hit = Hit{0, s.size(), "SQL operator between quotes (implicit conversion)"};
  return true;
}

bool inspect(const Inspected& v, Hit& hit) {
  const std::string_view text = v.text;
  if (text.size() < 2) return false;
  if (v.has(kQuote) && text.size() <= 64 && quoted_operator(v.lower, hit)) return true;
  // Catalog tables exist only in databases: nobody else writes their names.
  static constexpr NeedleSet kCatalogs(std::to_array<std::string_view>({
      "information_schema", "sysobjects", "syscolumns", "mysql.user", "pg_catalog", "pg_shadow",
      "sqlite_master", "msysaccessobjects", "all_tables", "user_tables", "sys.tables",
      "master..sysdatabases", "sys.sql_logins", "pg_user", "pg_database", "sys.objects",
      "sys.databases", "all_users", "dba_users", "v$version", "sqlite_schema", "sysibm.systables",
      "rdb$relations", "mysql.db"}));
  bool catalog = false;
  kCatalogs.find(v.lower, v.mask, v.bigrams, [&](std::size_t index, std::size_t p) {
    const std::size_t n = kCatalogs.needles[index].size();
    if (!word_bounded(v.lower, p, n) && v.lower.compare(p + n, 1, ".") != 0 &&
        v.lower.compare(p + n, 1, "`") != 0)
      return false;
    // In a query: at the start, or after FROM / JOIN / a comma or parenthesis.
    std::size_t b = p;
    if (b > 0 && v.lower[b - 1] == '`') --b;  // `information_schema`.tables
    while (b > 0 && (v.lower[b - 1] == ' ' || v.lower[b - 1] == '\t' || v.lower[b - 1] == '\n')) --b;
    const std::string_view before = v.lower.substr(0, b);
    if (!(b == 0 || before.ends_with("from") || before.ends_with("join") || before.ends_with(",") ||
          before.ends_with("(") || before.ends_with("*/")))
      return false;
    hit = Hit{p, std::min<std::size_t>(48, text.size() - p), "SQL catalog table"};
    catalog = true;
    return true;
  });
  if (catalog) return true;
  // SQL needs at least one of these to change a query's meaning.
  if (!v.has(kQuote | kDquote | kSpace | kParen | kSemi | kHash | kDash | kStar | kPipe | kAmp |
             kEq | kAt | kComma | kSlash | kLt | kGt | kBacktick | kColon | kBrace))
    return false;
  {
    // The value's start is where it takes over the query (bare, fragment). `anywhere` reads
    // the whole value: in windows of kMaxTokens tokens when it is longer, each judging kStep
    // tokens with kBack tokens of context before them (none before the first) and 16 of
    // look-ahead after, so padding before a payload does not hide it (linear: each token is
    // read under 2 times).
    constexpr std::size_t kBack = 4, kStep = SqlTokens::kMaxTokens - kBack - 16;
    bool prose = false;
    for (std::size_t from = 0, first = 0;; first = kBack) {
      const std::string_view rest = text.substr(from);
      const SqlTokens t(rest, SqlContext::none);
      if (from == 0 && (bare(t, text, hit) || fragment(t, text, hit))) return true;
      if (anywhere(t, rest, hit, first, t.truncated() ? first + kStep : SqlTokens::kMaxTokens, &prose)) {
        hit.pos += from;
        return true;
      }
      if (!t.truncated()) break;
      from += t[first + kStep - kBack].pos;
    }
  }
  // A quote context only matters when the text before the first quote is short (see quoted):
  // check that before tokenizing.
  const auto short_prefix = [&](char q) {
    const std::size_t p = text.find(q);
    if (p == std::string_view::npos || p > 64) return false;
    std::size_t spaces = 0;
    for (std::size_t k = 0; k < p; ++k) {
      if (text[k] == '\n' || text[k] == '\r') return false;
      spaces += text[k] == ' ' || text[k] == '\t';
    }
    return spaces <= 2;
  };
  // Standard SQL reads a backslash as itself: \' closes the string there, not in MySQL.
  const bool backslash = v.has(kBackslash);
  // Whatever precedes it, a quote followed by "union" may close the query's string: that one
  // shape is read after a long prefix too ("-Idefix and Ariane 42B' union select 1,2,3-- ").
  const auto union_follows = [&](char q) {
    std::size_t k = text.find(q);
    if (k == std::string_view::npos) return false;
    ++k;
    while (k < text.size() && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r')) ++k;
    if (k + 5 >= text.size() || v.lower.compare(k, 5, "union") != 0) return false;
    const char after = v.lower[k + 5];
    return !((after >= 'a' && after <= 'z') || (after >= '0' && after <= '9') || after == '_');
  };
  for (const char q : {'\'', '"', '`'}) {
    if (!v.has(q == '\'' ? kQuote : q == '"' ? kDquote : kBacktick)) continue;
    const SqlContext context = q == '\'' ? SqlContext::single_quote
                               : q == '"' ? SqlContext::double_quote
                                          : SqlContext::backtick;
    const bool tick = q == '`';
    if (!short_prefix(q)) {
      if (q == '`' || !union_follows(q)) continue;
      const SqlTokens t(text, context);
      if (t.closed() && t.type(1) == 'U' && takeover(t, 1, true)) {
        set_hit(t, 1, 5, "SQL union after a closing quote", hit);
        return true;
      }
      continue;
    }
    if (quoted(SqlTokens(text, context), text, hit, tick)) return true;
    if (backslash && quoted(SqlTokens(text, context, false), text, hit, tick)) return true;
  }
  return false;
}

// `v` read once more as `text` (a part of it, or a copy with some characters replaced).
bool inspect_as(const Inspected& v, std::string_view text, std::string_view lower, Hit& hit) {
  Inspected other = v;
  other.text = text;
  other.lower = lower;
  other.mask = char_mask(text);
  other.bigrams = nullptr;
  return inspect(other, hit);
}

// Copies `text` (and `lower`) into scratch with '+' read as a blank, as a back end that
// form-decodes once more would; false when there is no '+' to change or blanks already.
bool plus_as_blank(std::string_view text, std::string_view lower, Scratch& scratch) {
  if (text.find('+') == std::string_view::npos || text.find(' ') != std::string_view::npos) return false;
  scratch.a.assign(text);
  scratch.b.assign(lower);
  for (std::size_t k = 0; k < scratch.a.size(); ++k)
    if (scratch.a[k] == '+') scratch.a[k] = scratch.b[k] = ' ';
  return true;
}

// Copies `text` into scratch with the typographic quotes a lax character-set conversion
// turns into an apostrophe (U+2018, U+2019, U+00B4, U+02BC) replaced by '\''.
bool fold_quotes(std::string_view text, Scratch& scratch) {
  scratch.a.clear();
  bool changed = false;
  for (std::size_t k = 0; k < text.size(); ++k) {
    const auto c = static_cast<unsigned char>(text[k]);
    const auto n = k + 1 < text.size() ? static_cast<unsigned char>(text[k + 1]) : 0;
    const auto m = k + 2 < text.size() ? static_cast<unsigned char>(text[k + 2]) : 0;
    if (c == 0xE2 && n == 0x80 && (m == 0x98 || m == 0x99)) {
      scratch.a.push_back('\'');
      k += 2;
      changed = true;
    } else if ((c == 0xC2 && n == 0xB4) || (c == 0xCA && n == 0xBC)) {
      scratch.a.push_back('\'');
      k += 1;
      changed = true;
    } else {
      scratch.a.push_back(text[k]);
    }
  }
  if (!changed) return false;
  scratch.b.resize(scratch.a.size());
  for (std::size_t k = 0; k < scratch.a.size(); ++k) scratch.b[k] = ascii_lower(scratch.a[k]);
  return true;
}

}  // namespace

bool sqli_possible(const Inspected& v) noexcept {
  return (v.mask & ~(kAlpha | kDigit | kSpace | kComma | kNewline)) != 0 || !sql_plain_words(v.lower);
}

bool detect_sqli(const Inspected& v, Scratch& scratch, Hit& hit) {
  if (inspect(v, hit)) return true;
  // A name that holds an (encoded) '=' carries a value: "pay%3DAND+1%3D1" decodes to one
  // argument name, which a second decoding splits into a name and a value.
  const bool name = v.source == Source::query_name || v.source == Source::form_name ||
                    v.source == Source::json_key || v.source == Source::cookie_name ||
                    v.source == Source::multipart_name;
  if (name && v.has(kEq)) {
    const std::size_t eq = v.text.find('=');
    const std::string_view text = v.text.substr(eq + 1);
    const std::string_view lower = v.lower.substr(eq + 1);
    if (text.size() >= 2 && inspect_as(v, text, lower, hit)) return true;
    if (text.size() >= 2 && plus_as_blank(text, lower, scratch) && inspect_as(v, scratch.a, scratch.b, hit))
      return true;
  }
  // Path segments keep '+', which a back end that form-decodes the path reads as a blank.
  if (v.source == Source::path_segment && plus_as_blank(v.text, v.lower, scratch) &&
      inspect_as(v, scratch.a, scratch.b, hit))
    return true;
  if (v.has(kHigh) && fold_quotes(v.text, scratch) && inspect_as(v, scratch.a, scratch.b, hit)) {
    hit.pos = 0;  // the copy is shorter than the value
    return true;
  }
  return false;
}

}  // namespace defender::cnaf::waf

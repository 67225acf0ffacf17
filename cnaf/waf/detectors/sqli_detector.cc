// SQL injection: the value is read as SQL from three starting contexts (bare, inside '...',
// inside "..."), and the first tokens after the point where the value takes control of the
// query are matched against the shapes an injection must have: a boolean tautology, a union,
// a stacked statement, a clause, a comment cutting the rest of the query. Prose and code that
// merely contain SQL words do not have those shapes at that point. A second pass over the
// whole value looks for constructs that are SQL wherever they are (union select with a column
// list, time-delay functions after and/or, into outfile, stacked drop/exec/shutdown).
#include "cnaf/waf/detectors/detectors.h"
#include "cnaf/waf/detectors/sql_tokenizer.h"

namespace defender::cnaf::waf {
namespace {

bool is_value(char t) { return t == '1' || t == 's' || t == 'v'; }

bool comparison(const SqlTokens& t, std::size_t i) {
  const std::uint8_t w = t.word(i);
  return t.type(i) == 'o' && (w == kWordCompare || w == kWordLike || w == kWordIs);
}

// Reads as an operand that makes a boolean test: `1=1`, `'a'='a'`, `sleep(5)`, `(select`.
bool strong_operand(const SqlTokens& t, std::size_t i) {
  const char a = t.type(i);
  const char b = t.type(i + 1);
  if (a == 'f') return t.type(i + 1) == '(' || t.word(i) != 0;
  if (a == '(') {
    const char c = t.type(i + 1);
    return c == 'E' || c == 'f' || c == '(' ||
           (is_value(c) && (t.type(i + 2) == 'o' || t.type(i + 2) == ',')) ||
           (c == 'n' && t.type(i + 2) == 'o');
  }
  if (a == 'E') return t.word(i) == kWordSelect;
  if (is_value(a)) {
    // "1=1", "'a'='a'", "1 group by", "1 in (...)", "1--": a test or a cut, not "1950 or 1960".
    return comparison(t, i + 1) || b == 'c' || b == ';' || b == ')' || b == 'B' || b == 'U' ||
           (b == 'k' && t.word(i + 1) == kWordIn) || (a == 's' && b == 's');
  }
  if (a == 'n') return b == 'o' && comparison(t, i + 1) &&
                        (is_value(t.type(i + 2)) || t.type(i + 2) == 'n' ||
                         t.type(i + 2) == 'f' || t.type(i + 2) == '(');
  if (a == 'o' && t.word(i) == kWordNot) return strong_operand(t, i + 1);
  return false;
}

// f(1=1, ...) / f((select ...)): a function whose argument is a test or a subquery.
bool loaded_call(const SqlTokens& t, std::size_t i) {
  if (t.type(i) != 'f' || t.type(i + 1) != '(') return false;
  const char a = t.type(i + 2);
  if (a == 'E' || (a == '(' && t.type(i + 3) == 'E')) return true;
  if (t.word(i) != 0) return true;  // sleep, benchmark ...
  return is_value(a) && comparison(t, i + 3) && is_value(t.type(i + 4));
}

// Evidence that what follows "union select" / "select" is a column list, not prose.
bool select_list(const SqlTokens& t, std::size_t i) {
  const char a = t.type(i);
  const char b = t.type(i + 1);
  if (a == 'k' && (t.word(i) == kWordAll || t.word(i) == kWordDistinct)) return true;
  if (a == '1' || a == 'v' || a == 'f' || a == 's' || a == '(') return true;
  if (a == 'o' && t.size() > i) return true;  // select *
  if (a == 'n') {
    return b == ',' || b == '\0' || b == 'c' || b == ';' ||
           (b == 'k' && t.word(i + 1) == kWordFrom) || b == 'f';
  }
  return false;
}

// A statement at token i that is unmistakably SQL.
bool statement(const SqlTokens& t, std::size_t i) {
  if (t.type(i) != 'E') return false;
  const char a = t.type(i + 1);
  const std::uint8_t wa = t.word(i + 1);
  switch (t.word(i)) {
    case kWordSelect:
      return select_list(t, i + 1) && t.type(i + 2) != '\0';
    case kWordWaitfor:
      return a == 'k' && wa == kWordDelay;
    case kWordDrop: case kWordTruncate: case kWordCreate: case kWordAlter:
      return a == 'k' && (wa == kWordTable || wa == kWordDatabase);
    case kWordDelete:
      return a == 'k' && wa == kWordFrom && t.type(i + 2) == 'n';
    case kWordInsert:
      return a == 'k' && wa == kWordInto && (t.type(i + 2) == 'n' || t.type(i + 2) == 'k');
    case kWordUpdate:
      return a == 'n' && t.type(i + 2) == 'k' && t.word(i + 2) == kWordSet;
    case kWordExec:
      return a == 'f' || a == 'v' || (a == 'n' && wa == kWordDangerous);
    case kWordDeclare:
      return a == 'v';
    case kWordShutdown:
      return a == '\0' || a == 'c' || a == ';';
    default:
      return false;
  }
}

// The shapes of an injection at token i, where the value takes over the query.
bool takeover(const SqlTokens& t, std::size_t i, bool after_quote) {
  // MySQL full-text context closed by the injection: "1' in boolean mode) ..."
  if (t.type(i) == 'k' && t.word(i) == kWordIn && t.type(i + 1) == 'n' && t.type(i + 2) == 'n' &&
      t.type(i + 3) == ')')
    i += 3;
  while (t.type(i) == ')') ++i;
  const char a = t.type(i);
  const char b = t.type(i + 1);
  switch (a) {
    case '&':
      // After a closing quote, a call written with a blank counts too: ' or f (x)
      return strong_operand(t, i + 1) || (after_quote && b == 'n' && t.type(i + 2) == '(');
    case 'U':
      return b == 'E' || b == '(' || (b == 'k' && t.word(i + 1) == kWordAll);
    case ',':  // 1,(select ...), 1,iif(1=1,1,1/0), 1,(case when ...)
      return (b == '(' && (t.type(i + 2) == 'E' || (t.type(i + 2) == 'k' && t.type(i + 3) == 'n' &&
                                                    t.type(i + 4) == '('))) ||
             loaded_call(t, i + 1) || (b == '(' && loaded_call(t, i + 2));
    case '(':  // 1 (select ...)
      return b == 'E' && t.word(i + 1) == kWordSelect;
    case ';':
      if (after_quote && b != '\0' && t.type(t.size() - 1) == 'c' && !t.truncated()) return true;  // '; ... --
      return statement(t, i + 1) || b == 'c' ||
             loaded_call(t, i + 1) ||
             (after_quote && (b == '\0' || b == 'f' || b == 'E' || b == 'k' || b == '(' ||
                              (b == 'n' && (t.type(i + 2) == 'f' || t.type(i + 2) == '('))));
    case 'c':
      if (b == '\0') return t[i].len <= 7 || !after_quote;  // "admin'--", "1'#", not "5\" #2 needle" 
      return after_quote && t.type(i + 1) != 'c' && takeover(t, i + 1, after_quote);
    case 'B':
      return b == '1' || b == 'f' || b == '(' || (after_quote && b == 'n') || t.word(i) != 0;
    case 'E':
      return statement(t, i) || (after_quote && t.word(i) == kWordSelect);
    case 'o':
      if (after_quote && t.word(i) == 0 && t.type(i + 1) == 'o' && t.word(i + 1) != kWordCompare)
        return takeover(t, i + 1, after_quote);  // unary chains: ' - + ! 1 or '1
      if (t.word(i) == kWordLike && (b == 'f' || (b == '(' && t.type(i + 2) == 'E') || loaded_call(t, i + 1)))
        return true;  // rlike sleep(5), rlike (select ...)
      if (t.word(i) == kWordLike || t.word(i) == kWordIs || t.word(i) == kWordBetween)
        return after_quote && (is_value(b) || b == 'o');
      if (t.word(i) == kWordNot) return false;
      if (!after_quote) return false;
      if (b == 'f' || b == '(') return true;  // '-sleep(5)-', '+(select 1)+'
      // '=' '1' / '>' 0: a comparison with a value; arithmetic only when a test follows.
      if (!is_value(b)) return false;
      if (comparison(t, i)) return true;
      return comparison(t, i + 2) || t.type(i + 2) == '&' || t.type(i + 2) == 'c' || t.type(i + 2) == 'U';
    case 'k':
      if (t.word(i) == kWordIn) return b == '(' && t.type(i + 2) == 'E';
      if (t.word(i) == kWordWhere) return strong_operand(t, i + 1);
      if (t.word(i) == kWordAs)
        return b == 'n' && t.type(i + 2) == 'k' && t.word(i + 2) == kWordWhere;
      return false;
    case 'f':
      return after_quote && b == '(' && t.word(i) != 0;
    default:
      return false;
  }
}

void set_hit(const SqlTokens& t, std::size_t from, std::size_t to, std::string_view reason,
             Hit& hit) {
  if (to > t.size()) to = t.size();
  if (from >= to) from = to == 0 ? 0 : to - 1;
  hit.pos = t.size() == 0 ? 0 : t[from].pos;
  const std::size_t end = t.size() == 0 ? 0 : t[to - 1].pos + t[to - 1].len;
  hit.len = end > hit.pos ? end - hit.pos : 0;
  hit.reason = reason;
}

// Bare context: the value is a number or a name pasted into the query.
bool bare(const SqlTokens& t, std::string_view text, Hit& hit) {
  const auto text_at = [&](const SqlTokens& tk, std::size_t k) { return text.substr(tk[k].pos, tk[k].len); };
  std::size_t i = 0;
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
  if (a == 'f' && t.word(i) != 0 && t.word(i) != kWordInfo) {
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
    if (b == '&' && strong_operand(t, j + 1) && t.type(j + 1) != 's') {
      set_hit(t, i, j + 4, "SQL boolean injection", hit);
      return true;
    }
    if (b == 'U' && ((t.type(j + 1) == 'E' && select_list(t, j + 2) &&
                      (t.type(j + 2) != 'n' || t.type(j + 3) != '\0')) ||
                     (t.type(j + 1) == '(' && t.type(j + 2) == 'E'))) {
      set_hit(t, i, j + 4, "SQL union", hit);
      return true;
    }
    if (b == 'B' && ((t.type(j + 1) == '1' && text_at(t, j + 1)[0] >= '0' && text_at(t, j + 1)[0] <= '9') ||
                     t.word(j) != 0)) {
      set_hit(t, i, j + 3, "SQL clause injection", hit);
      return true;
    }
    if (b == ';' && statement(t, j + 1)) {
      set_hit(t, i, j + 4, "stacked SQL statement", hit);
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
  if (b == 'o' && t.word(j) == 0 && is_value(t.type(j + 1))) {
    // 1=1 or ... / 1-0 and ...
    std::size_t k = j + 2;
    while (t.type(k) == ')') ++k;
    if (t.type(k) == '&' && strong_operand(t, k + 1)) {
      set_hit(t, i, k + 3, "SQL boolean injection", hit);
      return true;
    }
  }
  if (b == 'c' && t.type(j + 1) == '\0' && j == i + 1 && t[j].len <= 3) {
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

bool quoted(const SqlTokens& t, std::string_view text, Hit& hit) {
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
      if (word) return false;
    }
  }
  if (takeover(t, 1, true)) {
    set_hit(t, 1, 5, "SQL injection after a closing quote", hit);
    return true;
  }
  return false;
}

// Constructs that are SQL wherever they appear in a value.
bool anywhere(const SqlTokens& t, Hit& hit) {
  for (std::size_t i = 0; i + 1 < t.size(); ++i) {
    const char a = t.type(i);
    if (a == 'U' && t.type(i + 1) == 'E' && select_list(t, i + 2) && t.type(i + 2) != 'n') {
      set_hit(t, i, i + 4, "SQL union select", hit);
      return true;
    }
    if (a == 'U' && t.type(i + 1) == 'k' && t.word(i + 1) == kWordAll && t.type(i + 2) == 'E') {
      set_hit(t, i, i + 4, "SQL union all select", hit);
      return true;
    }
    if ((a == '&' || a == 'o' || a == ',' || a == '(') && t.type(i + 1) == 'f' &&
        t.word(i + 1) != 0 && t.type(i + 2) == '(') {
      set_hit(t, i, i + 3, "SQL time-delay or side-effect function", hit);
      return true;
    }
    if (a == '&' && i > 0 && (t.type(i - 1) == ')' || is_value(t.type(i - 1))) &&
        is_value(t.type(i + 1)) && t.type(i + 1) != 'v' && t.word(i + 2) == kWordCompare &&
        t.type(i + 2) == 'o' && is_value(t.type(i + 3)) &&
        (t.type(i + 4) == '\0' || t.type(i + 4) == 'c' || t.type(i + 4) == ')')) {
      set_hit(t, i, i + 4, "SQL tautology or contradiction", hit);  // (x)+0 AND 8=3
      return true;
    }
    if (a == 'B' && t.word(i) == kWordDangerous) {
      set_hit(t, i, i + 2, "SQL into outfile", hit);
      return true;
    }
    if (a == ';' && t.type(i + 1) == 'E' && t.word(i + 1) != kWordSelect &&
        t.word(i + 1) != kWordUpdate && t.word(i + 1) != kWordDelete && statement(t, i + 1)) {
      set_hit(t, i, i + 4, "stacked SQL statement", hit);
      return true;
    }
    if (a == '&' && (t.type(i + 1) == '1' || t.type(i + 1) == 's') && t.type(i + 2) == 'o' &&
        t.word(i + 2) == 0 && t.type(i + 3) == t.type(i + 1) && i > 0 &&
        (t.type(i - 1) == 's' || t.type(i - 1) == ')') &&
        t[i + 1].len == t[i + 3].len) {
      set_hit(t, i, i + 4, "SQL tautology", hit);
      return true;
    }
  }
  return false;
}

}  // namespace

bool detect_sqli(const Inspected& v, Scratch&, Hit& hit) {
  const std::string_view text = v.text;
  if (text.size() < 2) return false;
  // Catalog tables exist only in databases: nobody else writes their names.
  static constexpr NeedleSet kCatalogs(std::to_array<std::string_view>({
      "information_schema", "sysobjects", "syscolumns", "mysql.user", "pg_catalog", "pg_shadow",
      "sqlite_master", "msysaccessobjects", "all_tables", "user_tables", "sys.tables",
      "master..sysdatabases", "sys.sql_logins"}));
  bool catalog = false;
  kCatalogs.find(v.lower, v.mask, v.bigrams, [&](std::size_t index, std::size_t p) {
    const std::size_t n = kCatalogs.needles[index].size();
    if (!word_bounded(v.lower, p, n) && v.lower.compare(p + n, 1, ".") != 0) return false;
    // In a query: at the start, or after FROM / JOIN / a comma or parenthesis.
    std::size_t b = p;
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
             kEq | kAt | kComma | kSlash | kLt | kGt | kBacktick))
    return false;
  {
    const SqlTokens t(text, SqlContext::none);
    if (bare(t, text, hit) || anywhere(t, hit)) return true;
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
  if (v.has(kQuote) && short_prefix('\'')) {
    const SqlTokens t(text, SqlContext::single_quote);
    if (quoted(t, text, hit)) return true;
  }
  if (v.has(kDquote) && short_prefix('"')) {
    const SqlTokens t(text, SqlContext::double_quote);
    if (quoted(t, text, hit)) return true;
  }
  return false;
}

}  // namespace defender::cnaf::waf

// Values that are a piece of SQL on their own, and constructs that are SQL wherever they
// appear (see sqli_shapes.h). A piece of SQL is what an application pastes after a column
// or inside a call: a built-in function call, a condition ("and x = '"), a clause ("from t
// where", "having 1="), a predicate ("in (1,2)", "is null"), a comparison of two literals,
// an expression closed by a comment. Each shape asks for the whole value to be that piece,
// so prose that mentions the same words does not match.
#include <array>

#include "cnaf/waf/detectors/sqli_shapes.h"
#include "cnaf/waf/transforms/hex.h"

namespace defender::cnaf::waf::sqli {
namespace {

std::string_view text_of(const SqlTokens& t, std::string_view text, std::size_t i) {
  return i < t.size() ? text.substr(t[i].pos, t[i].len) : std::string_view{};
}

bool literal(char type) { return type == '1' || type == 's'; }
bool end_or_comment(const SqlTokens& t, std::size_t i) {
  return t.type(i) == '\0' || (t.type(i) == 'c' && t.type(i + 1) == '\0');
}

// After a call: the end of the value or more SQL, not more words.
bool sql_after(const SqlTokens& t, std::size_t i) {
  switch (t.type(i)) {
    case '\0': case 'c': case 'o': case '&': case ')': case ',': case 'U': case 'B': case ';': case 'E':
      return true;
    default:
      return false;
  }
}

// A PostgreSQL type name after "::", written all lower or all upper case ("::Int" is Haskell).
bool cast_type(std::string_view w) {
  static constexpr std::array<std::string_view, 25> kTypes = {
      "int", "integer", "int2", "int4", "int8", "bigint", "smallint", "text", "varchar",
      "numeric", "decimal", "float4", "float8", "bool", "boolean", "json", "jsonb", "bytea",
      "timestamp", "timestamptz", "regclass", "oid", "inet", "double", "real"};
  if (w.empty() || w.size() > 11) return false;
  bool lower = true, upper = true;
  char buf[12];
  for (std::size_t k = 0; k < w.size(); ++k) {
    const char c = w[k];
    lower &= !(c >= 'A' && c <= 'Z');
    upper &= !(c >= 'a' && c <= 'z');
    buf[k] = ascii_lower(c);
  }
  if (!lower && !upper) return false;
  const std::string_view l(buf, w.size());
  for (const auto type : kTypes)
    if (l == type) return true;
  return false;
}

// A comparison operator at i, "not" forms included; returns the index after it (0: none).
std::size_t comparison_at(const SqlTokens& t, std::size_t i) {
  if (t.type(i) == 'o' && t.word(i) == kWordNot && comparison(t, i + 1)) return i + 2;
  if (!comparison(t, i)) return 0;
  if (t.word(i) == kWordIs && t.type(i + 1) == 'o' && t.word(i + 1) == kWordNot) return i + 2;
  return i + 1;
}

// "( BINARY ( 'b') )  --", "1 * 1--", "(1) OR (1 OR 1)--": an expression, then a comment
// that cuts what the query had after the value.
bool expression_then_comment(const SqlTokens& t, std::string_view text) {
  const std::size_t n = t.size();
  // A bare cut ("--", "-- -", "#", "/*"): "2 + 2 -- easy" is a remark.
  if (n < 3 || t.truncated() || t.type(n - 1) != 'c' || t.type(0) == 'n' || t[n - 1].len > 4) return false;
  // Tokens, not one blob: a blank or a parenthesis before the comment (base64 has neither),
  // or no word at all (1*1--).
  const bool spaced = text.substr(0, t[n - 1].pos).find_first_of(" \t\n(") != std::string_view::npos;
  bool op = false, operand = false, test = false;
  std::size_t words = 0, depth = 0;
  for (std::size_t k = 0; k + 1 < n; ++k) {
    const char a = t.type(k);
    switch (a) {
      case '1': case 's': case 'f':
        operand = true;
        op |= a == 'f';
        break;
      case 'v':  // @a, not a lone '@' ("!@#$%")
        operand |= t[k].len >= 2;
        break;
      case '(':
        op |= ++depth >= 2;
        break;
      case ')':
        depth -= depth > 0;
        break;
      case ',':
        break;
      case 'o': case '&':
        op = true;
        test |= comparison(t, k);
        break;
      case 'E':
        if (t.word(k) != kWordSelect) return false;
        op = operand = true;
        break;
      case 'k':
        if (t.word(k) != kWordIn) return false;
        op = true;
        break;
      case 'n': {
        const char p = k > 0 ? t.type(k - 1) : '\0';
        if ((p != '&' && p != '(') || t.type(k + 1) == 'n') return false;
        ++words;
        break;
      }
      default:
        return false;
    }
  }
  // The comment follows an operand: "500 || /* ..." is a sentence cut short, not a cut.
  const char last = t.type(n - 2);
  return op && operand && words <= 2 && (spaced || words == 0) && last != 'o' && last != ',' &&
         (last != '&' || test);  // 1='1' or-- - (a test, then a cut)
}

}  // namespace

bool sp_password_comment(const SqlTokens& t, std::string_view text, std::size_t i) {
  if (t.type(i) != 'c' || t[i].len < 13) return false;
  constexpr std::string_view kName = "sp_password";
  const std::string_view s = text.substr(t[i].pos, t[i].len);
  for (std::size_t p = 0; p + kName.size() <= s.size(); ++p) {
    std::size_t k = 0;
    while (k < kName.size() && ascii_lower(s[p + k]) == kName[k]) ++k;
    if (k == kName.size()) return true;
  }
  return false;
}

bool fragment(const SqlTokens& t, std::string_view text, Hit& hit) {
  if (t.size() == 0) return false;
  std::size_t i = 0;
  while (t.type(i) == '(') ++i;
  while (t.type(i) == 'o' && (t.word(i) == 0 || t.word(i) == kWordBinary)) ++i;  // - ~ binary
  // Arithmetic before the call: "456 + ascii(substring(", "234 + (1 / ascii(substring(".
  // Only a loaded call counts after it (a subquery, a nested or special function, a test).
  std::size_t arithmetic = i;
  while (t.type(arithmetic) == '1' && t.type(arithmetic + 1) == 'o' && t.word(arithmetic + 1) == 0) {
    arithmetic += 2;
    while (t.type(arithmetic) == '(') ++arithmetic;
  }
  if (arithmetic != i && t.type(arithmetic) == 'f' && builtin_function(t.word(arithmetic)) &&
      t.type(arithmetic + 1) == '(') {
    const CallArgs c = call_args(t, arithmetic);
    if (!c.prose && (c.subquery || c.special || c.nested || c.literal_test)) {
      set_hit(t, arithmetic, c.end, "SQL function call in an arithmetic expression", hit);
      return true;
    }
  }
  // A built-in function call as the value: concat(0x7e,version()), unhex(, user(, now().
  if (t.type(i) == 'f' && builtin_function(t.word(i)) && t.type(i + 1) == '(') {
    const CallArgs c = call_args(t, i);
    const bool only_sql = t.word(i) == kWordFunc || special_function(t.word(i));
    // char(113)+char(118): calls chained by operators.
    const bool chained = (t.type(c.end) == 'o' || t.type(c.end) == '&') && t.type(c.end + 1) == 'f' &&
                         builtin_function(t.word(c.end + 1));
    const bool evidence = c.subquery || c.special || c.nested || c.literal_test || chained;
    const bool open = t.type(i + 2) == '\0';                             // "user(", "if ("
    const bool empty = c.closed && c.empty && end_or_comment(t, c.end) &&  // "user()", not "now()"
                       (t.word(i) == kWordProbe || t.word(i) == kWordInfo);
    // A manual page is name(section): ascii(7), printf(3), time(2p).
    const bool manual = t.type(i + 2) == '1' && t[i + 2].len == 1 && (t.type(i + 3) == ')' || t.type(i + 3) == '\0');
    // What follows the call is SQL, not a sentence: "cast(x as t) or x::t construct." is prose.
    bool words = false;
    for (std::size_t k = c.end; k + 1 < t.size() && !words; ++k) words = t.type(k) == 'n' && t.type(k + 1) == 'n';
    if (!c.prose && !manual && !words && (!c.closed || sql_after(t, c.end)) &&
        (only_sql || evidence || open || empty)) {
      set_hit(t, i, c.end, "SQL function call", hit);
      return true;
    }
  }
  const char a = t.type(0);
  const char b = t.type(1);
  // A condition cut out of a where clause: "and x = '", "|| c == '", "or (1=2)".
  if (a == '&') {
    std::size_t j = 1;
    while (t.type(j) == '(') ++j;
    const bool symbolic = t.type(j + 1) == 'o' && t.word(j + 1) == kWordCompare;
    const std::size_t k = comparison_at(t, j + 1);
    // The right operand: a value, a column, a subquery, or the quote the query closes.
    const char r = t.type(k);
    const bool operand = literal(r) || r == 'v' || r == '(' || r == 'f' ||
                         (symbolic && (r == 'n' || r == '\0' ||
                                       (r == 'o' && t.word(k) == 0 && literal(t.type(k + 1)))));
    if (k != 0 && operand && (literal(t.type(j)) || ((t.type(j) == 'n' || t.type(j) == 'v') && symbolic))) {
      set_hit(t, 0, j + 3, "SQL condition", hit);
      return true;
    }
  }
  // A list of numbers then a clause: "17,23 order by 16".
  if (a == '1' && b == ',') {
    std::size_t j = 0;
    while (t.type(j) == '1' && t.type(j + 1) == ',') j += 2;
    if (t.type(j) == '1' && t.type(j + 1) == 'B' && t.type(j + 2) == '1') {
      set_hit(t, 0, j + 3, "SQL clause after a value list", hit);
      return true;
    }
  }
  // A clause: "from t where id = 1", "from (select", "from `db`.`t` limit", "having 1=".
  if (a == 'k' && t.word(0) == kWordFrom) {
    std::size_t j = 1;
    if (b == '(' && t.type(2) == 'E') {
      set_hit(t, 0, 3, "SQL from clause", hit);
      return true;
    }
    while (t.type(j) == 'n' && t.type(j + 1) == 'X' && text_of(t, text, j + 1) == "." && t.type(j + 2) == 'n') j += 2;
    const char c = t.type(j + 1);
    if (t.type(j) == 'n' &&
        (c == 'B' || c == ';' || (c == 'c' && t.type(j + 2) == '\0') ||
         (c == 'k' && t.word(j + 1) == kWordWhere &&
          (strong_operand(t, j + 2) || (t.type(j + 2) == 'n' && comparison(t, j + 3)))))) {
      set_hit(t, 0, j + 3, "SQL from clause", hit);
      return true;
    }
  }
  if (a == 'B' && ((is_value(b) && comparison(t, 2)) || (b == '(' && strong_operand(t, 1)))) {
    set_hit(t, 0, 3, "SQL clause", hit);
    return true;
  }
  // ") as x from": the end of a select list.
  {
    std::size_t j = 0;
    while (t.type(j) == ')') ++j;
    if (j > 0 && t.type(j) == 'k' && t.word(j) == kWordAs && takeover(t, j, false)) {
      set_hit(t, 0, j + 3, "SQL select list", hit);
      return true;
    }
  }
  // A statement stacked after the query's own: "; insert into", ";drop", "; set @a",
  // "; sleep(5)"; or a variable assignment on its own: "SET @OLD_SQL_MODE".
  if (a == ';' && (b == 'E' || (b == 'k' && t.word(1) == kWordSet && t.type(2) == 'v') ||
                   (b == 'f' && special_function(t.word(1)) && t.type(2) == '('))) {
    set_hit(t, 0, 3, "stacked SQL statement", hit);
    return true;
  }
  {
    const std::size_t j = a == 'o' ? 1 : 0;
    const char n = t.type(j + 2);
    // A variable as SQL names them (@a, @OLD_SQL_MODE, @@x), not a handle ("set @john").
    bool sql_name = j + 1 < t.size() && (t[j + 1].len <= 2 || text_of(t, text, j + 1).starts_with("@@"));
    for (std::size_t k = 1; j + 1 < t.size() && k < t[j + 1].len && !sql_name; ++k) {
      const char c = text[t[j + 1].pos + k];
      sql_name = c == '_' || (c >= 'A' && c <= 'Z');
    }
    if (t.type(j) == 'k' && t.word(j) == kWordSet && t.type(j + 1) == 'v' && t[j + 1].len > 1 &&
        (comparison(t, j + 2) || (sql_name && (n == '\0' || n == 'c' || n == ',' || n == ';')))) {
      set_hit(t, j, j + 2, "SQL variable assignment", hit);
      return true;
    }
  }
  // More columns of a select list: ", find_in_set('22', category)".
  if (a == ',' && b == 'f' && t.word(1) == kWordFunc && t.type(2) == '(') {
    set_hit(t, 0, 3, "SQL function call in a column list", hit);
    return true;
  }
  // An update's assignments: "hash = 'abc', 0x1a", "product = 'item', (5)".
  if (a == 'n' && b == 'o' && t.word(1) == kWordCompare && t[1].len == 1 && text[t[1].pos] == '=' &&
      t.type(2) == 's' && t.type(3) == ',' && (t.type(4) == '1' || t.type(4) == '(') &&
      (t.type(5) == '\0' || t.type(5) == '1' || t.type(5) == ')')) {
    set_hit(t, 0, 5, "SQL assignment list", hit);
    return true;
  }
  // An insert's values: "values ('192.168.0.1', 'test')".
  if (a == 'k' && t.word(0) == kWordValues && b == '(' && literal(t.type(2)) && t.type(3) == ',') {
    set_hit(t, 0, 4, "SQL values list", hit);
    return true;
  }
  // "case when x then y": a whole short case expression as the value.
  if (a == 'k' && t.word(0) == kWordCase && b == 'k' && t.word(1) == kWordWhen && t.type(2) != 'k' &&
      t.type(3) == 'k' && t.word(3) == kWordThen && t.type(4) != '\0' && t.type(5) == '\0') {
    set_hit(t, 0, 5, "SQL case expression", hit);
    return true;
  }
  // ") when 234 then": the middle of a case expression.
  if (a == ')' || a == 'k') {
    std::size_t j = 0;
    while (t.type(j) == ')') ++j;
    if (t.type(j) == 'k' && t.word(j) == kWordWhen && t.type(j + 1) != 'n' && t.type(j + 2) == 'k' &&
        t.word(j + 2) == kWordThen) {
      set_hit(t, 0, j + 3, "SQL case expression", hit);
      return true;
    }
  }
  // A number then "union" and nothing more, "union all", or a comment: "-1 union", "2 union all".
  {
    const std::size_t j = a == 'o' && t.word(0) == 0 ? 1 : 0;
    const char n = t.type(j + 2);
    if (t.type(j) == '1' && t.type(j + 1) == 'U' &&
        (n == '\0' || n == 'c' || quantifier(t, j + 2))) {
      set_hit(t, j, j + 3, "SQL union", hit);
      return true;
    }
  }
  // "1 or true", "9999 or /*+hint*/ true": a boolean literal after and/or.
  if (a == '1' && t.word(0) != kWordBool && b == '&' && t.type(2) == '1' && t.word(2) == kWordBool &&
      end_or_comment(t, 3)) {
    set_hit(t, 0, 3, "SQL boolean injection", hit);
    return true;
  }
  if (a == 'E' && t.word(0) == kWordSelect && b == 'n' && special_function(t.word(1))) {
    set_hit(t, 0, 2, "SQL select of a time-delay function", hit);  // select pg_sleep
    return true;
  }
  // A predicate: "in (1,2)", "in (select", "is not null", "like null", ") like (".
  const auto number_at = [&](std::size_t k) {  // 1, -1
    return literal(t.type(k)) ? k + 1 : (t.type(k) == 'o' && t.word(k) == 0 && literal(t.type(k + 1))) ? k + 2 : 0;
  };
  // The list must end the value or go on as SQL: "in (2019, 2020) we grew" is prose.
  const auto list_end = [&](std::size_t k) {
    while (k < t.size() && (literal(t.type(k)) || t.type(k) == ',' || t.type(k) == 'o')) ++k;
    return k >= t.size() || (t.type(k) == ')' && sql_after(t, k + 1));
  };
  if (a == 'k' && t.word(0) == kWordIn && b == '(' &&
      (t.type(2) == 'E' || (literal(t.type(2)) && t.type(3) == ',' && number_at(4) != 0 && list_end(2)))) {
    set_hit(t, 0, 5, "SQL in list", hit);
    return true;
  }
  {
    const std::size_t j = a == ')' ? 1 : 0;
    const std::size_t k = comparison_at(t, j);
    // "is" takes null / true / false; like / regexp a pattern.
    const bool operand = t.word(j) == kWordIs ? (t.type(k) == '1' && t.word(k) != 0) : literal(t.type(k));
    if (k != 0 && t.type(j) == 'o' && t.word(j) != kWordCompare &&
        ((operand && end_or_comment(t, k + 1)) || (j == 1 && t.type(k) == '('))) {
      set_hit(t, 0, k + 1, "SQL predicate", hit);
      return true;
    }
  }
  // "something LIKE '": a pattern match whose string the query's own quote continues.
  if (t.size() >= 2 && t.type(t.size() - 2) == 'o' && t.word(t.size() - 2) == kWordLike &&
      t.type(t.size() - 1) == 's' && t[t.size() - 1].len == 1 && t.size() <= 3) {
    set_hit(t, 0, t.size(), "SQL predicate", hit);
    return true;
  }
  // Two literals compared, and nothing else: "1=1", "b,1=1", "42 like 42", "1 is not 2".
  {
    const std::size_t j = ((a == 'n' || a == '1') && b == ',') ? 2 : 0;
    const std::size_t k = literal(t.type(j)) ? comparison_at(t, j + 1) : 0;
    // ... also chained: '{"a":2}' < '$.c' = 7.
    const std::size_t k2 = k != 0 && literal(t.type(k)) ? comparison_at(t, k + 1) : 0;
    // Always true or always false: the same literal on both sides ("1=1", "42 like 42"), or
    // two literals that differ, with a "differs" test ("11!=1", "1 is not 2", "a not regexp b").
    // "5 > 3" is arithmetic, not a test of the query.
    const bool same = k != 0 && text_of(t, text, j) == text_of(t, text, k);
    const std::string_view op = k != 0 ? text_of(t, text, j + 1) : std::string_view{};
    // '1001'='10: the query's own closing quote completes the right operand (a probe).
    const bool differs = k > j + 2 || op == "!=" || op == "<>" || op == "^=" ||
                         (t.type(k) == 's' && t.word(k) == kWordUnclosed);
    if (k != 0 && literal(t.type(k)) && (same || differs || k2 != 0) &&
        (end_or_comment(t, k + 1) || (k2 != 0 && literal(t.type(k2)) && end_or_comment(t, k2 + 1)))) {
      set_hit(t, j, k + 1, "SQL tautology or contradiction", hit);
      return true;
    }
  }
  if (a == 'E' && t.word(0) == kWordSelect && b == '1' && t.type(2) == '\0' &&
      (text_of(t, text, 1).starts_with("0x") || text_of(t, text, 1).starts_with("0X"))) {
    set_hit(t, 0, 2, "SQL select of a hex literal", hit);
    return true;
  }
  if (expression_then_comment(t, text)) {
    set_hit(t, 0, t.size(), "SQL expression closed by a comment", hit);
    return true;
  }
  return false;
}

bool anywhere(const SqlTokens& t, std::string_view text, Hit& hit, std::size_t first, std::size_t last,
              bool* prose_seen) {
  // Two words in a row: a phrase, which may go on to quote SQL ("Problem with SELECT
  // CASE WHEN ..."). The shapes below marked "not after prose" stop there.
  std::size_t run = 0;
  bool prose = prose_seen != nullptr && *prose_seen;
  for (std::size_t i = 0; i < t.size() && i < last; ++i) {
    const char a = t.type(i);
    const char p = i > 0 ? t.type(i - 1) : '\0';
    run = a == 'n' ? run + 1 : 0;
    prose |= run >= 2;
    if (i < first) continue;
    // A quantified subquery: "any(select 1) - 1 union all --", "1 - some((select 1))".
    if (a == 'k' && (t.word(i) == kWordAny || t.word(i) == kWordAll) && t.type(i + 1) == '(') {
      const std::size_t j = t.type(i + 2) == '(' ? i + 3 : i + 2;
      if (t.type(j) == 'E' && t.word(j) == kWordSelect && select_list(t, j + 1)) {
        set_hit(t, i, j + 2, "SQL quantified subquery", hit);
        return true;
      }
    }
    if (sp_password_comment(t, text, i)) {
      set_hit(t, i, i + 1, "SQL comment hiding the query from the trace (sp_password)", hit);
      return true;
    }
    if (a == 'U' && t.type(i + 1) == 'E' && select_list(t, i + 2) && t.type(i + 2) != 'n') {
      set_hit(t, i, i + 4, "SQL union select", hit);
      return true;
    }
    if (a == 'U' && (t.type(i + 1) == '(' || (quantifier(t, i + 1) && t.type(i + 2) == '('))) {
      const std::size_t j = t.type(i + 1) == '(' ? i + 2 : i + 3;
      if (t.type(j) == 'E' && t.word(j) == kWordSelect && select_list(t, j + 1)) {
        set_hit(t, i, j + 2, "SQL union (select", hit);  // union (select id from users)
        return true;
      }
    }
    // A subquery as a call's first argument after a value: "1 div(select ord(", "-ord((select".
    if (a == 'f' && builtin_function(t.word(i)) && t.type(i + 1) == '(' && t.type(i + 2) == 'E' &&
        t.word(i + 2) == kWordSelect && (is_value(p) || p == 'o' || p == '&' || p == ',')) {
      set_hit(t, i, i + 3, "SQL subquery in a function call", hit);
      return true;
    }
    if (a == 'U' && quantifier(t, i + 1) && t.type(i + 2) == 'E') {
      set_hit(t, i, i + 4, "SQL union all|distinct select", hit);
      return true;
    }
    if ((a == '&' || a == 'o' || a == ',' || a == '(' || a == ')') && t.type(i + 1) == 'f' &&
        special_function(t.word(i + 1)) && t.type(i + 2) == '(') {
      set_hit(t, i, i + 3, "SQL time-delay or side-effect function", hit);
      return true;
    }
    if (a == '&' && i > 0 && (p == ')' || is_value(p)) &&
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
    if (a == ';' && t.type(i + 1) == 'k' && t.word(i + 1) == kWordSet && t.type(i + 2) == 'v' &&
        t[i + 2].len > 1) {
      set_hit(t, i, i + 3, "stacked SQL variable assignment", hit);  // ;set @a = x'...'
      return true;
    }
    if (a == ';' && t.type(i + 1) == 'E' && t.word(i + 1) != kWordSelect &&
        t.word(i + 1) != kWordUpdate && t.word(i + 1) != kWordDelete && statement(t, i + 1)) {
      set_hit(t, i, i + 4, "stacked SQL statement", hit);
      return true;
    }
    if (a == '&' && (t.type(i + 1) == '1' || t.type(i + 1) == 's') && t.type(i + 2) == 'o' &&
        t.word(i + 2) == 0 && t.type(i + 3) == t.type(i + 1) && i > 0 &&
        (p == 's' || p == ')') && t[i + 1].len == t[i + 3].len) {
      set_hit(t, i, i + 4, "SQL tautology", hit);
      return true;
    }
    // A comparison with a subquery: "=(select", "> all (select".
    if (comparison(t, i) && t.word(i) == kWordCompare) {
      std::size_t j = i + 1;
      if (t.type(j) == 'k' && (t.word(j) == kWordAny || t.word(j) == kWordAll)) ++j;
      if (t.type(j) == '(' && t.type(j + 1) == 'E' && t.word(j + 1) == kWordSelect &&
          (select_list(t, j + 2) || t.type(j + 2) == '\0')) {
        set_hit(t, i, j + 3, "SQL comparison with a subquery", hit);
        return true;
      }
    }
    // "(1=1)", ", '1'='1'": a literal tested against itself, between delimiters.
    if ((a == '(' || a == ',' || a == '&') && literal(t.type(i + 1)) && t.type(i + 2) == 'o' &&
        t.word(i + 2) == kWordCompare && t.type(i + 3) == t.type(i + 1) &&
        (t.type(i + 4) == ')' || t.type(i + 4) == '\0' || t.type(i + 4) == 'c' || t.type(i + 4) == '&') &&
        text_of(t, text, i + 1) == text_of(t, text, i + 3)) {
      set_hit(t, i, i + 5, "SQL tautology", hit);
      return true;
    }
    // case [x] when ... then: a conditional expression (not "in case when you ... then").
    // Not after prose.
    if (a == 'k' && t.word(i) == kWordCase && !prose &&
        (p == '\0' || p == '(' || p == ',' || p == 'o' || p == '&' || p == 'E' || p == ';' ||
         p == 'B' || (p == 'k' && t.word(i - 1) >= kWordCase && t.word(i - 1) <= kWordEnd))) {
      std::size_t when = 0;
      for (std::size_t k = i + 1; k < i + 6 && k < t.size() && when == 0; ++k)
        if (t.type(k) == 'k' && t.word(k) == kWordWhen) when = k;
      for (std::size_t k = when + 1; when != 0 && k < when + 16 && k < t.size(); ++k) {
        if (t.type(k) == 'n' && t.type(k + 1) == 'n') break;
        if (t.type(k) == 'k' && t.word(k) == kWordThen) {
          // At the start of a value (a title quoting SQL?) the expression must be complete.
          bool end = p != '\0';
          for (std::size_t e = k + 1; !end && e < k + 16 && e < t.size(); ++e)
            end = t.type(e) == 'k' && t.word(e) == kWordEnd;
          if (!end) break;
          set_hit(t, i, k + 1, "SQL case expression", hit);
          return true;
        }
      }
    }
    // MySQL reads "1.e" as a number and what is glued to it as the next token: 1.e(ascii),
    // 1.e.tables (a keyword filter sees no word boundary).
    if (a == '1' && i + 1 < t.size() && text_of(t, text, i).ends_with(".") &&
        t[i + 1].pos == t[i].pos + t[i].len && ascii_lower(text[t[i + 1].pos]) == 'e' &&
        ((t.type(i + 1) == 'f' && t[i + 1].len == 1) ||
         (t.type(i + 1) == 'n' && t[i + 1].len >= 5 && text[t[i + 1].pos + 1] == '.'))) {
      set_hit(t, i, i + 2, "SQL number glued to an identifier (1.e)", hit);
      return true;
    }
    // MSSQL time delay: waitfor delay '0:0:5' (nothing else is written so).
    if (a == 'E' && t.word(i) == kWordWaitfor && t.type(i + 1) == 'k' && t.word(i + 1) == kWordDelay &&
        t.type(i + 2) == 's') {
      set_hit(t, i, i + 3, "SQL time delay", hit);
      return true;
    }
    // MySQL "procedure analyse(": the one procedure a select may name (the grammar's own).
    if (a == 'B' && t.word(i) == 0 && text_of(t, text, i).size() == 9 && t.type(i + 1) == 'n' &&
        t.type(i + 2) == '(' && t[i + 1].len == 7 &&
        (ascii_lower(text[t[i + 1].pos + 5]) == 's' || ascii_lower(text[t[i + 1].pos + 5]) == 'z') &&
        ascii_lower(text[t[i + 1].pos]) == 'a') {
      set_hit(t, i, i + 3, "SQL procedure clause", hit);
      return true;
    }
    // PostgreSQL cast: password::int, '{}'::jsonb, (x)::text.
    if (a == 'o' && t.word(i) == kWordCast && (p == ')' || p == 's' || p == 'n' || p == '1') &&
        t.type(i + 1) == 'n' && cast_type(text_of(t, text, i + 1))) {
      set_hit(t, i > 0 ? i - 1 : i, i + 2, "SQL type cast", hit);
      return true;
    }
    // A keyword glued to a comment used as a blank: "union/**/select", "DROP/*x*/t".
    if ((a == 'E' || a == 'U' || (a == 'B' && t.word(i) == 0)) && t[i].len >= 4) {
      const std::size_t end = t[i].pos + t[i].len;
      const bool before = t[i].pos >= 2 && text.substr(t[i].pos - 2, 2) == "*/";
      const bool after = text.substr(end, 2) == "/*";
      if ((before || after) && (a != 'E' || statement(t, i) || t.type(i + 1) == 'n')) {
        set_hit(t, i, i + 2, "SQL keyword hidden by comments", hit);
        return true;
      }
    }
  }
  if (prose_seen != nullptr) *prose_seen = prose;
  return false;
}

}  // namespace defender::cnaf::waf::sqli

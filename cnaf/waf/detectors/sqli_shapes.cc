// Token shapes of SQL injection (see sqli_shapes.h).
#include "cnaf/waf/detectors/sqli_shapes.h"

namespace defender::cnaf::waf::sqli {

bool comparison(const SqlTokens& t, std::size_t i) {
  const std::uint8_t w = t.word(i);
  return t.type(i) == 'o' && (w == kWordCompare || w == kWordLike || w == kWordIs);
}

bool strong_operand(const SqlTokens& t, std::size_t i) {
  const char a = t.type(i);
  const char b = t.type(i + 1);
  if (a == 'f') return t.type(i + 1) == '(' || special_function(t.word(i));
  if (a == '(') {
    const char c = t.type(i + 1);
    return c == 'E' || c == 'f' || c == '(' ||
           (is_value(c) && (t.type(i + 2) == 'o' || t.type(i + 2) == ',')) ||
           (is_value(c) && t.type(i + 2) == ')' && comparison(t, i + 3)) ||  // (8)=3, (@@version)=
           (c == 'o' && t.word(i + 1) == 0 && is_value(t.type(i + 2)) && t.type(i + 3) == ')' &&
            comparison(t, i + 4)) ||  // (-8)=(-3)
           (c == 'n' && t.type(i + 2) == 'o');
  }
  if (a == 'E') return t.word(i) == kWordSelect;
  if (is_value(a)) {
    // "1=1", "'a'='a'", "1 group by", "1 in (...)", "1--": a test or a cut, not "1950 or 1960".
    if (comparison(t, i + 1) || b == 'c' || b == ';' || b == ')' || b == 'B' || b == 'U' ||
        (b == 'k' && t.word(i + 1) == kWordIn) || (a == 's' && b == 's'))
      return true;
    // 1 not like 0, 1 not between 0 and 1, 1 sounds like 1, 31337-31337=0
    if (b == 'o' && (t.word(i + 1) == kWordNot || t.word(i + 1) == 0) &&
        (comparison(t, i + 2) || (t.type(i + 2) == 'o' && t.word(i + 2) == kWordBetween)))
      return true;
    // 31337-31337=0, 1+2+3=6: arithmetic, then a comparison
    std::size_t k = i;
    while (t.type(k + 1) == 'o' && t.word(k + 1) == 0 && is_value(t.type(k + 2))) k += 2;
    return k != i && comparison(t, k + 1);
  }
  if (a == 'n') {
    if (b == 'o' && t.word(i + 1) == kWordIs && (t.type(i + 2) == 'c' || t.type(i + 2) == '\0'))
      return true;  // email notnull--
    // "is not null" reads as "is null".
    const bool is_not = t.word(i + 1) == kWordIs && t.type(i + 2) == 'o' && t.word(i + 2) == kWordNot;
    const std::size_t r = is_not ? i + 3 : i + 2;
    return b == 'o' && comparison(t, i + 1) &&
           (is_value(t.type(r)) || t.type(r) == 'n' || t.type(r) == 'f' || t.type(r) == '(' ||
            (t.type(r) == 'k' && (t.word(r) == kWordAny || t.word(r) == kWordAll) &&
             t.type(r + 1) == '('));  // = all (select ...)
  }
  if (a == 'o' && t.word(i) == kWordNot) return strong_operand(t, i + 1);
  // Unary minus, tilde, BINARY: "and -8=3", "or ~1=~1".
  if (a == 'o' && (t.word(i) == 0 || t.word(i) == kWordBinary) && b != 'o') return strong_operand(t, i + 1);
  return false;
}

CallArgs call_args(const SqlTokens& t, std::size_t i) {
  CallArgs c;
  std::size_t depth = 0;
  std::size_t run = 0;
  std::size_t k = i + 1;
  c.empty = t.type(i + 2) == ')' || t.type(i + 2) == '\0';
  for (; k < t.size(); ++k) {
    const char a = t.type(k);
    if (a == '(') {
      ++depth;
    } else if (a == ')') {
      if (--depth == 0) {
        c.closed = true;
        ++k;
        break;
      }
    } else if (a == 'E') {
      c.subquery |= t.word(k) == kWordSelect || statement(t, k);
    } else if (a == 'f') {
      c.special |= special_function(t.word(k));
      c.nested |= builtin_function(t.word(k));
    } else if (comparison(t, k)) {
      c.test = true;
      // 1=1, 2=(..., or 2= at the end of the value (a test cut short).
      c.literal_test |= is_value(t.type(k - 1)) &&
                        (is_value(t.type(k + 1)) || t.type(k + 1) == '(' || t.type(k + 1) == '\0');
    }
    run = a == 'n' ? run + 1 : 0;
    c.prose |= run >= 3;
  }
  c.end = k;
  return c;
}

bool loaded_call(const SqlTokens& t, std::size_t i) {
  if (t.type(i) != 'f' || t.type(i + 1) != '(') return false;
  if (special_function(t.word(i))) return true;  // sleep, benchmark ...
  const CallArgs c = call_args(t, i);
  if (c.prose) return false;
  return c.subquery || c.special || c.literal_test;
}

bool select_list(const SqlTokens& t, std::size_t i) {
  const char a = t.type(i);
  const char b = t.type(i + 1);
  if (a == 'k' && t.word(i) == kWordTop && b == '1')  // select top 1 password from / top 1 *
    return t.type(i + 2) == 'o' || t.type(i + 2) == 'f' ||
           (select_list(t, i + 2) && (t.type(i + 2) != 'n' || t.type(i + 3) != '\0'));
  if (quantifier(t, i)) return !(b == 'n' && t.type(i + 2) == 'n');  // not "select all that apply"
  if (a == '1' || a == 'v' || a == 'f' || a == 's' || a == '(') return true;
  if (a == 'o' && t.size() > i) return true;  // select *
  if (a == 'n') {
    // An arithmetic column before FROM: select login/2 from users, select id-0 from t.
    if (b == 'o' && t.word(i + 1) == 0 && (t.type(i + 2) == '1' || t.type(i + 2) == 'n') && t.type(i + 3) == 'k' &&
        t.word(i + 3) == kWordFrom)
      return true;
    return b == ',' || b == '\0' || b == 'c' || b == ';' || b == 'B' ||
           (b == 'k' && t.word(i + 1) == kWordFrom) || b == 'f' ||
           (b == 'k' && t.word(i + 1) == kWordWhere && strong_operand(t, i + 2));
  }
  return false;
}

bool statement(const SqlTokens& t, std::size_t i) {
  if (t.type(i) != 'E') return false;
  const char a = t.type(i + 1);
  const std::uint8_t wa = t.word(i + 1);
  const char after = t.type(i + 2);
  switch (t.word(i)) {
    case kWordSelect:
      return select_list(t, i + 1) && t.type(i + 2) != '\0';
    case kWordWaitfor:
      return a == 'k' && wa == kWordDelay;
    case kWordDrop: case kWordTruncate: case kWordCreate: case kWordAlter:
      if (a == 'k' && (wa == kWordTable || wa == kWordDatabase || wa == kWordRoutine)) return true;
      if (t.word(i) == kWordCreate && a == '&' && after == 'n' &&  // create or replace function
          ((t.type(i + 3) == 'k' && t.word(i + 3) == kWordRoutine) || t.type(i + 3) == 'B'))
        return true;
      // drop x;-- / drop x# (a short comment: "Create account -- it's free" is prose)
      return (t.word(i) == kWordDrop || t.word(i) == kWordTruncate) && a == 'n' &&
             (after == ';' || (after == 'c' && t[i + 2].len <= 4));
    case kWordDelete:
      return (a == 'k' && wa == kWordFrom && t.type(i + 2) == 'n') ||
             (a == 'n' && after == 'k' && t.word(i + 2) == kWordFrom);  // delete quick from
    case kWordInsert:
      return a == 'k' && wa == kWordInto && (after == 'n' || after == 'k' || after == 'f');
    case kWordUpdate:
      return a == 'n' && t.type(i + 2) == 'k' && t.word(i + 2) == kWordSet;
    case kWordExec:
      // exec xp_x, exec @sql, exec('...'), execute as login, execute immediate '...'
      return a == 'f' || a == 'v' || a == '(' || (a == 'n' && wa == kWordDangerous) ||
             (a == 'k' && wa == kWordAs) || (a == 'n' && after == 's');
    case kWordDeclare:
      return a == 'v';
    case kWordShutdown:
      return a == '\0' || a == 'c' || a == ';';
    case kWordBegin:  // PL/SQL block: begin dbms_lock.sleep(5); end
      return a == 'f' || (a == 'E' && statement(t, i + 1)) || (a == 'n' && (after == '(' || after == ';'));
    case kWordLoad:  // load data [local] infile, load xml ... infile
      for (std::size_t k = i + 1; k < i + 5 && k < t.size(); ++k)
        if (t.type(k) == 'k' && t.word(k) == kWordInfile) return true;
      return false;
    default:
      return false;
  }
}

bool takeover(const SqlTokens& t, std::size_t i, bool after_quote) {
  // MySQL full-text context closed by the injection: "1' in boolean mode) ..."
  if (t.type(i) == 'k' && t.word(i) == kWordIn && t.type(i + 1) == 'n' && t.type(i + 2) == 'n' &&
      t.type(i + 3) == ')')
    i += 3;
  while (t.type(i) == ')') ++i;
  const char a = t.type(i);
  const char b = t.type(i + 1);
  switch (a) {
    case '&': {
      if (strong_operand(t, i + 1) || b == '{') return true;  // "or {if ...}": ODBC escape
      if (!after_quote) return false;
      std::size_t j = i + 1;
      while (t.type(j) == 'o' && t.word(j) == kWordNot) ++j;
      // After a closing quote, a call written with a blank counts too: ' or f (x)
      if (t.type(j) == 'n' && t.type(j + 1) == '(') return true;
      if (t.type(j) == 'f' && t.type(j + 1) == '(') return true;
      if (t.type(j) == 'o' && t.word(j) == kWordLike && t.type(j + 1) == '(') return true;  // ' or glob (a,b)
      // a'or?--, user'and id is not?--: a short condition, then a comment cutting the query.
      if (t.size() <= i + 7 && t.size() >= i + 3 && t.type(t.size() - 1) == 'c' && !t.truncated() &&
          t.type(i + 1) != 'c')
        return true;
      // a'or'a: the query's own closing quote ends the second string (one short word).
      return b == 's' && t.word(i + 1) == kWordUnclosed && t.type(i + 2) == '\0' && t[i + 1].len <= 16 &&
             t[i + 1].len >= 2 && t[i].pos == t[i + 1].pos - t[i].len;
    }
    case 'U':
      return b == 'E' || b == '(' || quantifier(t, i + 1);
    case ',':  // 1,(select ...), 1,iif(1=1,1,1/0), 1,(case when ...)
      return (b == '(' && (t.type(i + 2) == 'E' || (t.type(i + 2) == 'k' && t.type(i + 3) == 'n' &&
                                                    t.type(i + 4) == '('))) ||
             loaded_call(t, i + 1) || (b == '(' && loaded_call(t, i + 2));
    case '(':  // 1 (select ...)
      return b == 'E' && t.word(i + 1) == kWordSelect;
    case ';':
      if (after_quote && b != '\0' && t.type(t.size() - 1) == 'c' && !t.truncated()) return true;  // '; ... --
      if (b == 'f' && t.word(i + 1) == kWordIf && loaded_call(t, i + 1)) return true;  // ; if (1=1) ...
      if (b == 'k' && t.word(i + 1) == kWordSet && t.type(i + 2) == 'v') return true;   // ; set @a=
      return statement(t, i + 1) || b == 'c' ||
             loaded_call(t, i + 1) ||
             (after_quote && (b == '\0' || b == 'f' || b == 'E' || b == 'k' || b == '(' ||
                              (b == 'n' && (t.type(i + 2) == 'f' || t.type(i + 2) == '('))));
    case 'c':
      if (b == '\0') return t[i].len <= 7 || !after_quote;  // "admin'--", "1'#", not "5\" #2 needle"
      return after_quote && t.type(i + 1) != 'c' && takeover(t, i + 1, after_quote);
    case 'B':
      // ... or a column, then another clause or a cut: "1 group by x having 1=1--"
      return b == '1' || b == 'f' || b == '(' || (after_quote && b == 'n') || t.word(i) != 0 ||
             (b == 'n' && (t.type(i + 2) == 'B' || t.type(i + 2) == 'c'));
    case 'E':
      return statement(t, i) || (after_quote && t.word(i) == kWordSelect);
    case 'o': {
      if (after_quote && t.word(i) == 0 && t.type(i + 1) == 'o' && t.word(i + 1) != kWordCompare)
        return takeover(t, i + 1, after_quote);  // unary chains: ' - + ! 1 or '1
      if (t.word(i) == kWordLike && (b == 'f' || (b == '(' && t.type(i + 2) == 'E') || loaded_call(t, i + 1)))
        return true;  // rlike sleep(5), rlike (select ...)
      // x'|email--, id'not like id--, 'sounds like rowid--: an operator on a column, then a cut.
      std::size_t j = i;
      while (t.type(j + 1) == 'o' && t.word(j + 1) != kWordCast && j < i + 2) ++j;
      if (after_quote && t.word(i) != kWordCast && (t.type(j + 1) == 'n' || is_value(t.type(j + 1))) &&
          t.type(j + 2) == 'c' && t.type(j + 3) == '\0')
        return true;
      if (t.word(i) == kWordNot) return after_quote && b == 'o' && takeover(t, i + 1, after_quote);
      if (t.word(i) == kWordIs && after_quote && b == 'c' && t.type(i + 2) == '\0') return true;  // ' notnull --
      if (t.word(i) == kWordLike || t.word(i) == kWordIs || t.word(i) == kWordBetween)
        return after_quote && (is_value(b) || b == 'o');
      if (!after_quote) return false;
      if (b == 'f' || b == '(') return true;  // '-sleep(5)-', '+(select 1)+'
      // '=' '1' / '>' 0: a comparison with a value; arithmetic only when a test follows.
      if (!is_value(b)) return false;
      if (comparison(t, i)) return true;
      return comparison(t, i + 2) || t.type(i + 2) == '&' || t.type(i + 2) == 'c' || t.type(i + 2) == 'U';
    }
    case 'k':
      if (t.word(i) == kWordIn) return b == '(' && t.type(i + 2) == 'E';
      if (t.word(i) == kWordWhere) return strong_operand(t, i + 1);
      if (t.word(i) == kWordFrom)  // 1) from users where
        return b == 'n' && t.type(i + 2) == 'k' && t.word(i + 2) == kWordWhere && i > 1 && t.type(i - 1) == ')' &&
               (t.type(i - 2) == '1' || t.type(i - 2) == 's');
      if (t.word(i) == kWordAs)  // ) as x from / ) as x where
        return (b == 'n' || b == 's') && t.type(i + 2) == 'k' &&
               (t.word(i + 2) == kWordWhere || t.word(i + 2) == kWordFrom);
      if (t.word(i) == kWordCollate)  // user'collate nocase--
        return after_quote && (b == 'n' || b == 's') && (t.type(i + 2) == 'c' || t.type(i + 2) == '\0');
      return false;
    case 'f':
      return after_quote && b == '(' && special_function(t.word(i));
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

}  // namespace defender::cnaf::waf::sqli

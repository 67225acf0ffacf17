#include "cnaf/waf/detectors/sql_tokenizer.h"

#include <algorithm>
#include <utility>

#include "cnaf/waf/transforms/hex.h"

namespace defender::cnaf::waf {
namespace {

struct Keyword {
  std::string_view word;
  char type;
  std::uint8_t id;
};

// Sorted by word for binary search. Functions listed here are the ones that matter with a
// blank before '(' (MySQL IGNORE_SPACE, comments used as blanks).
constexpr Keyword kKeywords[] = {
    {"all", 'k', kWordAll},
    {"alter", 'E', kWordAlter},
    {"and", '&', 0},
    {"as", 'k', kWordAs},
    {"asc", 'k', 0},
    {"benchmark", 'f', kWordSleepy},
    {"between", 'o', kWordBetween},
    {"by", 'k', 0},
    {"call", 'E', kWordExec},
    {"case", 'k', 0},
    {"create", 'E', kWordCreate},
    {"current_user", 'f', kWordInfo},
    {"database", 'k', kWordDatabase},
    {"db_name", 'f', kWordInfo},
    {"dbms_lock.sleep", 'f', kWordSleepy},
    {"dbms_pipe.receive_message", 'f', kWordSleepy},
    {"declare", 'E', kWordDeclare},
    {"delay", 'k', kWordDelay},
    {"delete", 'E', kWordDelete},
    {"desc", 'k', 0},
    {"distinct", 'k', kWordDistinct},
    {"div", 'o', 0},
    {"drop", 'E', kWordDrop},
    {"dumpfile", 'k', 0},
    {"else", 'k', 0},
    {"end", 'k', 0},
    {"exec", 'E', kWordExec},
    {"execute", 'E', kWordExec},
    {"exists", 'k', 0},
    {"extractvalue", 'f', kWordDangerous},
    {"false", '1', 0},
    {"from", 'k', kWordFrom},
    {"generate_series", 'f', kWordSleepy},
    {"glob", 'o', kWordLike},
    {"group", 'B', 0},
    {"having", 'B', 0},
    {"ilike", 'o', kWordLike},
    {"in", 'k', kWordIn},
    {"insert", 'E', kWordInsert},
    {"intersect", 'U', kWordUnion},
    {"into", 'k', kWordInto},
    {"is", 'o', kWordIs},
    {"join", 'k', 0},
    {"like", 'o', kWordLike},
    {"limit", 'B', 0},
    {"load_file", 'f', kWordDangerous},
    {"mod", 'o', 0},
    {"name_const", 'f', kWordInfo},
    {"not", 'o', kWordNot},
    {"null", '1', kWordNull},
    {"offset", 'k', 0},
    {"on", 'k', 0},
    {"or", '&', 0},
    {"order", 'B', 0},
    {"outfile", 'k', 0},
    {"pg_sleep", 'f', kWordSleepy},
    {"procedure", 'B', 0},
    {"randomblob", 'f', kWordSleepy},
    {"regexp", 'o', kWordLike},
    {"rlike", 'o', kWordLike},
    {"schema_name", 'f', kWordInfo},
    {"select", 'E', kWordSelect},
    {"session_user", 'f', kWordInfo},
    {"set", 'k', kWordSet},
    {"shutdown", 'E', kWordShutdown},
    {"sleep", 'f', kWordSleepy},
    {"sounds", 'o', 0},
    {"system_user", 'f', kWordInfo},
    {"table", 'k', kWordTable},
    {"then", 'k', 0},
    {"top", 'k', 0},
    {"true", '1', 0},
    {"truncate", 'E', kWordTruncate},
    {"union", 'U', kWordUnion},
    {"update", 'E', kWordUpdate},
    {"updatexml", 'f', kWordDangerous},
    {"utl_http.request", 'f', kWordDangerous},
    {"utl_inaddr.get_host_address", 'f', kWordDangerous},
    {"values", 'k', kWordValues},
    {"waitfor", 'E', kWordWaitfor},
    {"when", 'k', 0},
    {"where", 'k', kWordWhere},
    {"xor", '&', 0},
    {"xp_cmdshell", 'f', kWordDangerous},
};

constexpr bool keywords_sorted() {
  for (std::size_t i = 1; i < std::size(kKeywords); ++i)
    if (!(kKeywords[i - 1].word < kKeywords[i].word)) return false;
  return true;
}
static_assert(keywords_sorted());

constexpr std::uint32_t first_letters() {
  std::uint32_t m = 0;
  for (const auto& k : kKeywords) m |= 1u << (k.word[0] - 'a');
  return m;
}
constexpr std::uint32_t kFirstLetters = first_letters();

const Keyword* find_keyword(std::string_view lower) noexcept {
  if (lower.size() < 2 || lower.size() > 27 || lower[0] < 'a' || lower[0] > 'z' ||
      !((kFirstLetters >> (lower[0] - 'a')) & 1u))
    return nullptr;
  const auto* end = std::end(kKeywords);
  const auto* it = std::lower_bound(std::begin(kKeywords), end, lower,
                                    [](const Keyword& k, std::string_view w) { return k.word < w; });
  return (it != end && it->word == lower) ? it : nullptr;
}

bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
         static_cast<unsigned char>(c) == 0xA0;
}
bool is_word_start(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool is_word_char(char c) noexcept {
  return is_word_start(c) || (c >= '0' && c <= '9') || c == '.';
}
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// Skips blanks and comments from i; returns the next significant position.
std::size_t skip_blanks(std::string_view t, std::size_t i) noexcept {
  while (i < t.size()) {
    if (is_blank(t[i])) {
      ++i;
    } else if (t[i] == '/' && i + 1 < t.size() && t[i + 1] == '*' &&
               (i + 2 >= t.size() || t[i + 2] != '!')) {
      const std::size_t close = t.find("*/", i + 2);
      if (close == std::string_view::npos) return t.size();
      i = close + 2;
    } else {
      break;
    }
  }
  return i;
}

}  // namespace

SqlTokens::SqlTokens(std::string_view text, SqlContext context) noexcept {
  std::size_t start = 0;
  if (context != SqlContext::none) {
    const char q = context == SqlContext::single_quote ? '\'' : '"';
    std::size_t i = 0;
    closed_ = false;
    while (i < text.size()) {
      if (text[i] == '\\') {
        i += 2;
        continue;
      }
      if (text[i] == q) {
        if (i + 1 < text.size() && text[i + 1] == q) {  // doubled quote: still inside
          i += 2;
          continue;
        }
        closed_ = true;
        break;
      }
      ++i;
    }
    if (!closed_) return;
    push('s', 0, i + 1);
    start = i + 1;
  }
  run(text, start);
}

void SqlTokens::push(char type, std::size_t pos, std::size_t len, std::uint8_t word) noexcept {
  if (count_ == kMaxTokens) {
    truncated_ = true;
    return;
  }
  tokens_[count_++] = SqlToken{type, static_cast<std::uint32_t>(pos),
                               static_cast<std::uint32_t>(len), word};
}

void SqlTokens::run(std::string_view t, std::size_t i) noexcept {
  bool in_exec_comment = false;  // inside MySQL "/*! ... */"
  while (i < t.size() && count_ < kMaxTokens) {
    const char c = t[i];
    if (is_blank(c)) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    const char n = i + 1 < t.size() ? t[i + 1] : '\0';
    if (c == '/' && n == '*') {
      if (i + 2 < t.size() && t[i + 2] == '!') {  // MySQL executable comment: its content is SQL
        i += 3;
        while (i < t.size() && is_digit(t[i])) ++i;
        in_exec_comment = true;
        continue;
      }
      const std::size_t close = t.find("*/", i + 2);
      if (close == std::string_view::npos) {  // unterminated: cuts the rest of the query
        i = t.size();
        push('c', begin, i - begin);
      } else {
        i = close + 2;  // a closed comment is only a blank: 1/**/union/**/select
      }
      continue;
    }
    if (c == '*' && n == '/' && in_exec_comment) {
      i += 2;
      in_exec_comment = false;
      continue;
    }
    if ((c == '-' && n == '-') || c == '#') {
      const std::size_t nl = t.find('\n', i);
      i = nl == std::string_view::npos ? t.size() : nl;
      push('c', begin, i - begin);
      continue;
    }
    if (c == '\'' || c == '"') {
      ++i;
      while (i < t.size()) {
        if (t[i] == '\\') {
          i += 2;
          continue;
        }
        if (t[i] == c) {
          if (i + 1 < t.size() && t[i + 1] == c) {
            i += 2;
            continue;
          }
          break;
        }
        ++i;
      }
      i = std::min(i + 1, t.size());
      push('s', begin, i - begin);
      continue;
    }
    if (c == '`' || c == '[') {  // quoted identifiers
      const char close = c == '`' ? '`' : ']';
      const std::size_t end = t.find(close, i + 1);
      i = end == std::string_view::npos ? t.size() : end + 1;
      push(c == '`' ? 'n' : 'X', begin, i - begin);
      continue;
    }
    if (is_digit(c) || (c == '.' && is_digit(n))) {
      if (c == '0' && (n == 'x' || n == 'X' || n == 'b' || n == 'B')) {
        i += 2;
        while (i < t.size() && hex_value(t[i]) >= 0) ++i;
      } else {
        while (i < t.size() && (is_digit(t[i]) || t[i] == '.')) ++i;
        if (i < t.size() && (t[i] == 'e' || t[i] == 'E') && i + 1 < t.size() &&
            (is_digit(t[i + 1]) || t[i + 1] == '-' || t[i + 1] == '+')) {
          i += 2;
          while (i < t.size() && is_digit(t[i])) ++i;
        }
      }
      push('1', begin, i - begin);
      continue;
    }
    if (c == '@') {
      ++i;
      if (i < t.size() && t[i] == '@') ++i;
      while (i < t.size() && is_word_char(t[i])) ++i;
      push('v', begin, i - begin);
      continue;
    }
    if (is_word_start(c)) {
      while (i < t.size() && is_word_char(t[i])) ++i;
      const std::size_t len = i - begin;
      char lower[40];
      const std::size_t keep = std::min<std::size_t>(len, sizeof lower);
      for (std::size_t k = 0; k < keep; ++k) lower[k] = ascii_lower(t[begin + k]);
      const std::string_view w(lower, keep);
      const std::size_t next = skip_blanks(t, i);
      const bool call = next < t.size() && t[next] == '(';
      const Keyword* kw = len <= sizeof lower ? find_keyword(w) : nullptr;
      if (kw != nullptr && kw->type == 'B' && (kw->word == "order" || kw->word == "group")) {
        // "order by" / "group by" are clauses; "order" alone is a word.
        std::size_t j = next;
        if (j + 1 < t.size() && ascii_lower(t[j]) == 'b' && ascii_lower(t[j + 1]) == 'y' &&
            (j + 2 >= t.size() || !is_word_char(t[j + 2]))) {
          i = j + 2;
          push('B', begin, i - begin);
        } else {
          push('n', begin, len);
        }
        continue;
      }
      if (kw != nullptr && kw->id == kWordInto) {
        // "into outfile|dumpfile" is a clause; "into" alone a keyword.
        std::size_t j = next;
        std::size_t k = j;
        while (k < t.size() && is_word_char(t[k])) ++k;
        std::string_view nw = t.substr(j, k - j);
        if (nw.size() == 7 || nw.size() == 8) {
          char lw[8];
          for (std::size_t m = 0; m < nw.size(); ++m) lw[m] = ascii_lower(nw[m]);
          const std::string_view l(lw, nw.size());
          if (l == "outfile" || l == "dumpfile") {
            i = k;
            push('B', begin, i - begin, kWordDangerous);
            continue;
          }
        }
        push('k', begin, len, kWordInto);
        continue;
      }
      if (kw != nullptr && kw->type == 'f') {
        push(call ? 'f' : 'n', begin, len, kw->id);
      } else if (kw != nullptr) {
        push(kw->type, begin, len, kw->id);
      } else if (call && next == i) {
        push('f', begin, len);
      } else if (w.starts_with("xp_") || w.starts_with("sp_") || w.starts_with("master.")) {
        push('n', begin, len, kWordDangerous);  // MSSQL extended / system procedures
      } else {
        push('n', begin, len);
      }
      continue;
    }
    ++i;
    switch (c) {
      case '(': case ')': case ',': case ';':
        push(c, begin, 1);
        break;
      case '&':
      case '|':
        if (n == c) {
          ++i;
          push('&', begin, 2);
        } else {
          push('o', begin, 1);
        }
        break;
      case '!': case '<': case '>': case '=': case ':':
        while (i < t.size() && (t[i] == '=' || t[i] == '>' || t[i] == '<')) ++i;
        if (c == ':' && i == begin + 1) {
          push('X', begin, 1);
        } else {
          push('o', begin, i - begin, kWordCompare);
        }
        break;
      case '+': case '-': case '*': case '/': case '%': case '^': case '~':
        push('o', begin, 1);
        break;
      default:
        push('X', begin, 1);
        break;
    }
  }
  if (i < t.size()) truncated_ = true;
}

}  // namespace defender::cnaf::waf

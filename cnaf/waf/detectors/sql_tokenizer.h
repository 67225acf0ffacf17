// A small SQL tokenizer (MySQL, PostgreSQL, MSSQL, Oracle, SQLite lexical rules, merged) for
// the sqli detector. It reads a value as SQL would, from a starting context: as bare SQL, or
// inside a '...' or "..." literal (the value was pasted into a quoted string). Linear, no
// allocation: at most kMaxTokens tokens are kept; the rest of the text is not read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace defender::cnaf::waf {

// Token types (one character each, so a token list reads as a short "fingerprint").
//  '1' number or literal value (true/false/null)   's' string    'n' identifier
//  'v' @variable   'f' function name (before '(')  'k' other keyword
//  'E' statement keyword (select, drop, exec ...)  'U' union      'B' clause (order by, ...)
//  '&' and/or/xor/&&/||   'o' operator   'c' comment   '(' ')' ',' ';'
//  '{' ODBC escape ("{fn", "{x")   'X' anything else
struct SqlToken {
  char type = 'X';
  std::uint32_t pos = 0;  // byte offset in the text
  std::uint32_t len = 0;
  std::uint8_t word = 0;  // for keywords and functions: a Word id (see sql_tokenizer.cc)
};

// backtick: inside a MySQL `identifier` the value closes.
enum class SqlContext : std::uint8_t { none, single_quote, double_quote, backtick };

// Word ids the detector asks about.
enum SqlWord : std::uint8_t {
  kWordOther = 0, kWordSelect, kWordWaitfor, kWordDrop, kWordTable, kWordFrom, kWordWhere,
  kWordAll, kWordDistinct, kWordDelay, kWordExec, kWordDeclare, kWordShutdown, kWordInto,
  kWordSet, kWordValues, kWordInsert, kWordDelete, kWordUpdate, kWordCreate, kWordAlter,
  kWordTruncate, kWordSleepy, kWordDangerous, kWordAs, kWordLike, kWordIs, kWordIn,
  kWordNot, kWordNull, kWordBetween, kWordUnion, kWordDatabase, kWordCompare, kWordInfo,
  // Built-in SQL functions (type 'f' when called): names only SQL uses (concat, substring,
  // unhex ...) and names that are English words too (date, user, replace ...).
  kWordFunc, kWordCommonFunc,
  kWordCase, kWordWhen, kWordThen, kWordEnd, kWordBegin, kWordCollate, kWordAny, kWordIf,
  kWordBinary, kWordLoad, kWordInfile, kWordRoutine, kWordCast, kWordBool,
  kWordUnclosed,  // a string literal the text never closes
  kWordTop,
  kWordProbe,  // user(), version(): what an injection asks first
};

// Time-delay, side-effect and information functions: sleep, benchmark, load_file, user ...
constexpr bool special_function(std::uint8_t w) noexcept {
  return w == kWordSleepy || w == kWordDangerous || w == kWordInfo;
}
constexpr bool builtin_function(std::uint8_t w) noexcept {
  return special_function(w) || w == kWordFunc || w == kWordCommonFunc || w == kWordIf || w == kWordProbe;
}

// True when `lower` (a text in ASCII lower case) is nothing but words of ASCII letters and
// digits, digit runs, commas and blanks, where no word is a keyword the tokenizer knows (nor
// a system catalog, sys*; function names are identifiers without a '(') except connectives
// ('&' and 'k' keywords: and, or, some, as, in, from ...) followed by a plain word and
// preceded by one or opening the value ("case" only after a word), and the value starts with
// a word or a connective when it holds one. Tokenized, that is identifiers, numbers, commas
// and [word] connective word, which no SQL injection shape reads: the sqli detector skips such
// values ("Blue cotton shirt", "Item number 7", "Salt and pepper, 2 jars", "Some text, with
// punctuation and numbers 31");
// tests/cnaf/waf/prefilter_test.cc checks the claim against the detector on generated text.
bool sql_plain_words(std::string_view lower) noexcept;

// Per word length (2 to 27), the first and the last letters the tokenizer's keywords of that
// length have, bit sql_letter_bit(c).
struct SqlKeywordLetters {
  std::array<std::uint32_t, 28> first{}, last{};
};
extern const SqlKeywordLetters kSqlKeywordLetters;
constexpr unsigned sql_letter_bit(char c) noexcept {
  return c >= 'a' && c <= 'z' ? static_cast<unsigned>(c - 'a') : 26u;  // 26: no letter
}

// False when no keyword the tokenizer knows can be `lower` (a word in lower case): its length,
// its first or its last letter rules it out. Most words of prose end here, never hashed.
inline bool sql_keyword_candidate(std::string_view lower) noexcept {
  return lower.size() >= 2 && lower.size() <= 27 && lower[0] >= 'a' && lower[0] <= 'z' &&
         ((kSqlKeywordLetters.first[lower.size()] >> sql_letter_bit(lower[0])) & 1u) &&
         ((kSqlKeywordLetters.last[lower.size()] >> sql_letter_bit(lower.back())) & 1u);
}

// sql_plain_words fed one token at a time, for a caller that already splits the text (the
// Waf's plain-words path): the same answer for the same tokens.
class SqlPlainWords {
 public:
  // A run of ASCII letters and digits in lower case, between blanks, commas or the ends.
  // False: the text is not plain (and stays so).
  bool word(std::string_view w) noexcept {
    // Most words of prose answered here: letters, no keyword of their length with their first
    // and last letters, and no catalog name (sys*, msys*).
    if (w[0] >= 'a' && !sql_keyword_candidate(w) && !catalog(w)) return take(Kind::word);
    return any_word(w);
  }
  bool comma() noexcept { return take(Kind::comma); }
  // After the last token: whether the text was plain.
  bool plain() const noexcept {
    return !open_ && (!connectives_ || first_ == Kind::word || first_ == Kind::connective);
  }

 private:
  // The tokens as the tokenizer sees them: a plain word (an identifier, 'n'), a number (with
  // any letters glued to it: 0x41, 12abc), a comma, a connective keyword ('&', 'k').
  enum class Kind : std::uint8_t { none, word, number, comma, connective };
  static bool catalog(std::string_view w) noexcept {
    const std::string_view sys = w[0] == 'm' ? w.substr(1) : w;
    return sys.size() >= 3 && sys[0] == 's' && sys[1] == 'y' && sys[2] == 's';
  }
  bool any_word(std::string_view w) noexcept;
  bool take(Kind k) noexcept {
    if (open_ && k != Kind::word) return false;
    open_ = false;
    if (k == Kind::connective) {
      // After a word, or first ("In stock", "Some text"): "case" only after a word, as
      // "case x when y then z end" opening a value is an expression.
      if (previous_ != Kind::word && previous_ != Kind::none) return false;
      connectives_ = open_ = true;
    }
    if (first_ == Kind::none) first_ = k;
    previous_ = k;
    return true;
  }
  Kind first_ = Kind::none, previous_ = Kind::none;
  bool connectives_ = false, open_ = false;  // open: a connective waits for its right word
};

class SqlTokens {
 public:
  static constexpr std::size_t kMaxTokens = 48;

  // Tokenizes `text` from `context`. In a quote context the first token is the string that
  // the value closes ('s'); when the value never closes it, `closed()` is false.
  // `backslash_escapes`: MySQL reads \' inside a literal as a quote; standard SQL
  // (PostgreSQL, MSSQL, Oracle, SQLite) reads a backslash as itself.
  SqlTokens(std::string_view text, SqlContext context, bool backslash_escapes = true) noexcept;

  std::size_t size() const noexcept { return count_; }
  const SqlToken& operator[](std::size_t i) const noexcept { return tokens_[i]; }
  char type(std::size_t i) const noexcept { return i < count_ ? tokens_[i].type : '\0'; }
  std::uint8_t word(std::size_t i) const noexcept { return i < count_ ? tokens_[i].word : 0; }
  bool closed() const noexcept { return closed_; }
  bool truncated() const noexcept { return truncated_; }  // more tokens than kMaxTokens

 private:
  void run(std::string_view text, std::size_t start) noexcept;
  void push(char type, std::size_t pos, std::size_t len, std::uint8_t word = 0) noexcept;

  std::array<SqlToken, kMaxTokens> tokens_{};
  std::size_t count_ = 0;
  bool closed_ = true;
  bool truncated_ = false;
  bool backslash_escapes_ = true;
};

}  // namespace defender::cnaf::waf

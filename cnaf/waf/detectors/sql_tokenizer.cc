#include "cnaf/waf/detectors/sql_tokenizer.h"

#include <algorithm>
#include <utility>

#include "cnaf/waf/inspected.h"
#include "cnaf/waf/transforms/hex.h"

namespace defender::cnaf::waf {
namespace {

struct Keyword {
  std::string_view word;
  char type;
  std::uint8_t id;
};

// Sorted by word (kept sorted for reading; looked up by hash). Functions listed here are the ones that matter with a
// blank before '(' (MySQL IGNORE_SPACE, comments used as blanks).
constexpr Keyword kKeywords[] = {
    {"all", 'k', kWordAll},
    {"alter", 'E', kWordAlter},
    {"and", '&', 0},
    {"any", 'k', kWordAny},
    {"as", 'k', kWordAs},
    {"asc", 'k', 0},
    {"begin", 'E', kWordBegin},
    {"benchmark", 'f', kWordSleepy},
    {"between", 'o', kWordBetween},
    {"binary", 'o', kWordBinary},
    {"by", 'k', 0},
    {"call", 'E', kWordExec},
    {"case", 'k', kWordCase},
    {"collate", 'k', kWordCollate},
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
    {"end", 'k', kWordEnd},
    {"exec", 'E', kWordExec},
    {"execute", 'E', kWordExec},
    {"exists", 'k', 0},
    {"extractvalue", 'f', kWordDangerous},
    {"false", '1', kWordBool},
    {"from", 'k', kWordFrom},
    {"function", 'k', kWordRoutine},
    {"generate_series", 'f', kWordSleepy},
    {"glob", 'o', kWordLike},
    {"group", 'B', 0},
    {"having", 'B', 0},
    {"if", 'f', kWordIf},
    {"iif", 'f', kWordIf},
    {"ilike", 'o', kWordLike},
    {"in", 'k', kWordIn},
    {"infile", 'k', kWordInfile},
    {"insert", 'E', kWordInsert},
    {"intersect", 'U', kWordUnion},
    {"into", 'k', kWordInto},
    {"is", 'o', kWordIs},
    {"join", 'k', 0},
    {"like", 'o', kWordLike},
    {"limit", 'B', 0},
    {"load", 'E', kWordLoad},
    {"load_file", 'f', kWordDangerous},
    {"mod", 'o', 0},
    {"name_const", 'f', kWordInfo},
    {"not", 'o', kWordNot},
    {"notnull", 'o', kWordIs},
    {"null", '1', kWordNull},
    {"offset", 'k', 0},
    {"on", 'k', 0},
    {"or", '&', 0},
    {"order", 'B', 0},
    {"outfile", 'k', 0},
    {"pg_sleep", 'f', kWordSleepy},
    {"print", 'E', 0},  // MSSQL PRINT: a statement of its own after "';"
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
    {"some", 'k', kWordAny},
    {"sounds", 'o', 0},
    {"system_user", 'f', kWordInfo},
    {"table", 'k', kWordTable},
    {"then", 'k', kWordThen},
    {"top", 'k', kWordTop},
    {"trigger", 'k', kWordRoutine},
    {"true", '1', kWordBool},
    {"truncate", 'E', kWordTruncate},
    {"union", 'U', kWordUnion},
    {"update", 'E', kWordUpdate},
    {"updatexml", 'f', kWordDangerous},
    {"utl_http.request", 'f', kWordDangerous},
    {"utl_inaddr.get_host_address", 'f', kWordDangerous},
    {"values", 'k', kWordValues},
    {"waitfor", 'E', kWordWaitfor},
    {"when", 'k', kWordWhen},
    {"where", 'k', kWordWhere},
    {"xor", '&', 0},
    {"xp_cmdshell", 'f', kWordDangerous},
};

// Built-in functions of the dialects (type 'f' only when called). Sorted.
constexpr Keyword kFunctions[] = {
    {"abs", 'f', kWordCommonFunc}, {"acos", 'f', kWordCommonFunc},
    {"aes_decrypt", 'f', kWordFunc}, {"aes_encrypt", 'f', kWordFunc},
    {"array_agg", 'f', kWordFunc}, {"array_to_string", 'f', kWordFunc}, {"ascii", 'f', kWordFunc},
    {"asin", 'f', kWordCommonFunc}, {"atan", 'f', kWordCommonFunc},
    {"atan2", 'f', kWordCommonFunc}, {"avg", 'f', kWordCommonFunc}, {"bin", 'f', kWordCommonFunc},
    {"bit_and", 'f', kWordFunc}, {"bit_count", 'f', kWordFunc}, {"bit_length", 'f', kWordFunc},
    {"bit_or", 'f', kWordFunc}, {"bit_xor", 'f', kWordFunc}, {"cast", 'f', kWordFunc},
    {"ceil", 'f', kWordCommonFunc}, {"ceiling", 'f', kWordCommonFunc},
    {"char", 'f', kWordCommonFunc}, {"char_length", 'f', kWordFunc},
    {"character_length", 'f', kWordFunc}, {"charindex", 'f', kWordFunc},
    {"chr", 'f', kWordCommonFunc}, {"coalesce", 'f', kWordFunc}, {"collation", 'f', kWordFunc},
    {"compress", 'f', kWordFunc}, {"concat", 'f', kWordFunc}, {"concat_ws", 'f', kWordFunc},
    {"connection_id", 'f', kWordFunc}, {"conv", 'f', kWordFunc}, {"convert", 'f', kWordFunc},
    {"cos", 'f', kWordCommonFunc}, {"cot", 'f', kWordCommonFunc}, {"count", 'f', kWordCommonFunc},
    {"crc32", 'f', kWordFunc}, {"curdate", 'f', kWordFunc}, {"current_database", 'f', kWordFunc},
    {"current_date", 'f', kWordFunc}, {"current_schema", 'f', kWordFunc},
    {"current_setting", 'f', kWordFunc}, {"current_time", 'f', kWordFunc},
    {"current_timestamp", 'f', kWordFunc}, {"curtime", 'f', kWordFunc},
    {"date", 'f', kWordCommonFunc}, {"date_add", 'f', kWordFunc}, {"date_format", 'f', kWordFunc},
    {"date_sub", 'f', kWordFunc}, {"datediff", 'f', kWordFunc}, {"day", 'f', kWordCommonFunc},
    {"dayofmonth", 'f', kWordFunc}, {"dayofweek", 'f', kWordFunc}, {"dayofyear", 'f', kWordFunc},
    {"decode", 'f', kWordCommonFunc}, {"default", 'f', kWordCommonFunc},
    {"degrees", 'f', kWordCommonFunc}, {"des_encrypt", 'f', kWordFunc}, {"elt", 'f', kWordFunc},
    {"encode", 'f', kWordCommonFunc}, {"exp", 'f', kWordCommonFunc},
    {"export_set", 'f', kWordFunc}, {"field", 'f', kWordCommonFunc},
    {"find_in_set", 'f', kWordFunc}, {"floor", 'f', kWordCommonFunc},
    {"format", 'f', kWordCommonFunc}, {"found_rows", 'f', kWordFunc},
    {"from_base64", 'f', kWordFunc}, {"from_unixtime", 'f', kWordFunc},
    {"geometrycollection", 'f', kWordFunc}, {"getdate", 'f', kWordFunc},
    {"greatest", 'f', kWordCommonFunc}, {"group_concat", 'f', kWordFunc},
    {"gtid_subset", 'f', kWordFunc}, {"hex", 'f', kWordCommonFunc}, {"hextoraw", 'f', kWordFunc},
    {"hour", 'f', kWordCommonFunc}, {"ifnull", 'f', kWordFunc}, {"inet_aton", 'f', kWordFunc},
    {"inet_ntoa", 'f', kWordFunc}, {"insert", 'f', kWordCommonFunc}, {"instr", 'f', kWordFunc},
    {"is_srvrolemember", 'f', kWordFunc}, {"isnull", 'f', kWordCommonFunc},
    {"json_arrayagg", 'f', kWordFunc}, {"json_build_object", 'f', kWordFunc},
    {"json_extract", 'f', kWordFunc}, {"json_keys", 'f', kWordFunc},
    {"json_object", 'f', kWordFunc}, {"jsonb_pretty", 'f', kWordFunc},
    {"last_insert_id", 'f', kWordFunc}, {"lcase", 'f', kWordFunc},
    {"least", 'f', kWordCommonFunc}, {"left", 'f', kWordCommonFunc},
    {"len", 'f', kWordCommonFunc}, {"length", 'f', kWordCommonFunc},
    {"likelihood", 'f', kWordFunc}, {"linestring", 'f', kWordFunc}, {"ln", 'f', kWordCommonFunc},
    {"lo_export", 'f', kWordFunc}, {"lo_get", 'f', kWordFunc}, {"lo_import", 'f', kWordFunc},
    {"lo_put", 'f', kWordFunc}, {"load_extension", 'f', kWordFunc},
    {"local", 'f', kWordCommonFunc}, {"locate", 'f', kWordFunc}, {"log", 'f', kWordCommonFunc},
    {"log10", 'f', kWordCommonFunc}, {"log2", 'f', kWordCommonFunc},
    {"lower", 'f', kWordCommonFunc}, {"lpad", 'f', kWordFunc}, {"ltrim", 'f', kWordFunc},
    {"make_set", 'f', kWordFunc}, {"max", 'f', kWordCommonFunc}, {"md5", 'f', kWordCommonFunc},
    {"mid", 'f', kWordFunc}, {"min", 'f', kWordCommonFunc}, {"minute", 'f', kWordCommonFunc},
    {"month", 'f', kWordCommonFunc}, {"multipoint", 'f', kWordFunc},
    {"multipolygon", 'f', kWordFunc}, {"now", 'f', kWordCommonFunc}, {"nullif", 'f', kWordFunc},
    {"nvl", 'f', kWordFunc}, {"nvl2", 'f', kWordFunc}, {"oct", 'f', kWordCommonFunc},
    {"octet_length", 'f', kWordFunc}, {"ord", 'f', kWordCommonFunc},
    {"overlay", 'f', kWordCommonFunc}, {"password", 'f', kWordCommonFunc},
    {"pg_ls_dir", 'f', kWordFunc}, {"pg_read_file", 'f', kWordFunc}, {"pi", 'f', kWordCommonFunc},
    {"polygon", 'f', kWordFunc}, {"position", 'f', kWordCommonFunc},
    {"pow", 'f', kWordCommonFunc}, {"power", 'f', kWordCommonFunc},
    {"quarter", 'f', kWordCommonFunc}, {"quote", 'f', kWordCommonFunc},
    {"quotename", 'f', kWordFunc}, {"radians", 'f', kWordCommonFunc},
    {"rand", 'f', kWordCommonFunc}, {"random", 'f', kWordCommonFunc},
    {"rawtohex", 'f', kWordFunc}, {"regexp_like", 'f', kWordFunc},
    {"regexp_replace", 'f', kWordFunc}, {"regexp_substr", 'f', kWordFunc},
    {"repeat", 'f', kWordCommonFunc}, {"replace", 'f', kWordCommonFunc},
    {"reverse", 'f', kWordCommonFunc}, {"right", 'f', kWordCommonFunc},
    {"round", 'f', kWordCommonFunc}, {"row", 'f', kWordCommonFunc}, {"row_count", 'f', kWordFunc},
    {"rpad", 'f', kWordFunc}, {"rtrim", 'f', kWordFunc}, {"schema", 'f', kWordCommonFunc},
    {"second", 'f', kWordCommonFunc}, {"serverproperty", 'f', kWordFunc},
    {"sha", 'f', kWordCommonFunc}, {"sha1", 'f', kWordCommonFunc}, {"sha2", 'f', kWordCommonFunc},
    {"sign", 'f', kWordCommonFunc}, {"sin", 'f', kWordCommonFunc}, {"soundex", 'f', kWordFunc},
    {"space", 'f', kWordCommonFunc}, {"sqlite_compileoption_get", 'f', kWordFunc},
    {"sqlite_version", 'f', kWordFunc}, {"sqrt", 'f', kWordCommonFunc},
    {"st_latfromgeohash", 'f', kWordFunc}, {"starts_with", 'f', kWordCommonFunc},
    {"strcmp", 'f', kWordFunc}, {"string_agg", 'f', kWordFunc},
    {"string_to_array", 'f', kWordFunc}, {"subdate", 'f', kWordFunc}, {"substr", 'f', kWordFunc},
    {"substring", 'f', kWordFunc}, {"substring_index", 'f', kWordFunc},
    {"sum", 'f', kWordCommonFunc}, {"sys_context", 'f', kWordFunc}, {"sysdate", 'f', kWordFunc},
    {"tan", 'f', kWordCommonFunc}, {"time", 'f', kWordCommonFunc}, {"to_base64", 'f', kWordFunc},
    {"to_char", 'f', kWordFunc}, {"to_number", 'f', kWordFunc}, {"trim", 'f', kWordCommonFunc},
    {"ucase", 'f', kWordFunc}, {"uncompress", 'f', kWordFunc}, {"unhex", 'f', kWordFunc},
    {"unistr", 'f', kWordFunc}, {"unnest", 'f', kWordFunc}, {"upper", 'f', kWordCommonFunc},
    {"user", 'f', kWordProbe}, {"utc_date", 'f', kWordFunc}, {"utc_time", 'f', kWordFunc},
    {"utc_timestamp", 'f', kWordFunc}, {"uuid", 'f', kWordCommonFunc},
    {"values", 'f', kWordCommonFunc}, {"version", 'f', kWordProbe},
    {"week", 'f', kWordCommonFunc}, {"xmlagg", 'f', kWordFunc}, {"xmlelement", 'f', kWordFunc},
    {"xmltype", 'f', kWordFunc}, {"year", 'f', kWordCommonFunc},
};

template <std::size_t N>
constexpr bool sorted(const Keyword (&table)[N]) {
  for (std::size_t i = 1; i < N; ++i)
    if (!(table[i - 1].word < table[i].word)) return false;
  return true;
}
static_assert(sorted(kKeywords));
static_assert(sorted(kFunctions));

// kSqlKeywordLetters' contents: most words of prose fail one of its two tests.
constexpr SqlKeywordLetters length_letters() {
  SqlKeywordLetters m;
  for (const auto& k : kKeywords) {
    m.first[k.word.size()] |= 1u << sql_letter_bit(k.word.front());
    m.last[k.word.size()] |= 1u << sql_letter_bit(k.word.back());
  }
  return m;
}

constexpr std::size_t word_slot(const PackedWord& p, std::size_t n, std::size_t slots) noexcept {
  const std::uint64_t h = p.a * 0x9E3779B97F4A7C15ull + p.b * 0xC2B2AE3D27D4EB4Full + n * 0x165667B19E3779F9ull;
  return static_cast<std::size_t>(h >> 54) & (slots - 1);
}

// Open-addressing hash index over a keyword table, built at compile time: one multiply-hash
// of the packed word and about one comparison of two integers per lookup (the tokenizer
// looks up every word of every value).
template <std::size_t N>
struct KeywordIndex {
  static constexpr std::size_t kSlots = 1024;  // a power of two, at most a quarter full
  static_assert(N * 4 <= kSlots);
  const Keyword (&table)[N];
  std::array<std::uint16_t, kSlots> slots{};  // 1 + index into `table`; 0: empty
  std::array<PackedWord, N> packed{};
  constexpr explicit KeywordIndex(const Keyword (&t)[N]) : table(t) {
    for (std::size_t i = 0; i < N; ++i) {
      packed[i] = pack_word(t[i].word);
      std::size_t s = word_slot(packed[i], t[i].word.size(), kSlots);
      while (slots[s] != 0) s = (s + 1) & (kSlots - 1);
      slots[s] = static_cast<std::uint16_t>(i + 1);
    }
  }
  const Keyword* find(std::string_view lower) const noexcept {
    const PackedWord p = pack_word(lower);
    for (std::size_t s = word_slot(p, lower.size(), kSlots);; s = (s + 1) & (kSlots - 1)) {
      const std::uint16_t k = slots[s];
      if (k == 0) return nullptr;
      const Keyword& kw = table[k - 1];
      if (packed[k - 1] == p && kw.word.size() == lower.size() && (lower.size() <= 16 || kw.word == lower))
        return &kw;
    }
  }
};
constexpr KeywordIndex kKeywordIndex(kKeywords);
constexpr KeywordIndex kFunctionIndex(kFunctions);

const Keyword* find_keyword(std::string_view lower) noexcept {
  return sql_keyword_candidate(lower) ? kKeywordIndex.find(lower) : nullptr;
}

const Keyword* find_function(std::string_view lower) noexcept {
  if (lower.size() < 2 || lower.size() > 27) return nullptr;
  return kFunctionIndex.find(lower);
}

bool ascii_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
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

// Oracle's float and double literals end in f or d (1f, 2.5d): the letter at i is taken
// into the number when a keyword follows it, as Oracle reads "1FUNION SELECT" as 1f union.
bool float_suffix(std::string_view t, std::size_t i) noexcept {
  if (i + 1 >= t.size() || (t[i] != 'f' && t[i] != 'F' && t[i] != 'd' && t[i] != 'D')) return false;
  char lower[27];
  std::size_t n = 0;
  for (std::size_t k = i + 1; k < t.size() && is_word_char(t[k]); ++k) {
    if (n == sizeof lower) return false;
    lower[n++] = ascii_lower(t[k]);
  }
  return find_keyword(std::string_view(lower, n)) != nullptr;
}

// The end of the tokenizer's number that starts at t[i] (a digit, or a '.' before one): 0x
// or 0b and hex digits; or digits (and dots, with `dots`), an exponent and an Oracle float
// suffix. What follows is a token of its own: "0x41union", "1e5select".
std::size_t number_end(std::string_view t, std::size_t i, bool dots) noexcept {
  const char n = i + 1 < t.size() ? t[i + 1] : '\0';
  if (t[i] == '0' && (n == 'x' || n == 'X' || n == 'b' || n == 'B')) {
    i += 2;
    while (i < t.size() && hex_value(t[i]) >= 0) ++i;
    return i;
  }
  while (i < t.size() && (is_digit(t[i]) || (dots && t[i] == '.'))) ++i;
  if (i + 1 < t.size() && (t[i] == 'e' || t[i] == 'E') &&
      (is_digit(t[i + 1]) || t[i + 1] == '-' || t[i + 1] == '+')) {
    i += 2;
    while (i < t.size() && is_digit(t[i])) ++i;
  }
  return float_suffix(t, i) ? i + 1 : i;
}

}  // namespace

constinit const SqlKeywordLetters kSqlKeywordLetters = length_letters();

bool SqlPlainWords::any_word(std::string_view w) noexcept {
  const bool glued = is_digit(w[0]);  // the tokenizer's number, then what it reads next
  const std::string_view rest = w.substr(glued ? number_end(w, 0, false) : 0);
  Kind kind = glued ? Kind::number : Kind::word;
  if (!rest.empty() && rest.size() <= 27) {  // longer than any keyword or function: an identifier
    if (catalog(rest)) return false;  // catalog tables: sys*, msys*
    // Function names (user, date, count ...) are words unless a '(' follows, which no plain
    // text has. Keywords are tokens of their own: the connectives (and, or, some, as, in,
    // from ...) only before a plain word, after another or opening the value ("salt and
    // pepper"), where no shape of the detector reads them; the rest (union, select, order,
    // like, null, sleep ...) never.
    if (const Keyword* kw = find_keyword(rest)) {
      if (glued || (kw->type != '&' && kw->type != 'k') || (kw->id == kWordCase && previous_ == Kind::none))
        return false;
      kind = Kind::connective;
    }
  }
  return take(kind);
}

bool sql_plain_words(std::string_view lower) noexcept {
  // ASCII blanks and commas part words (the tokenizer's 0xA0 blank is not plain).
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  SqlPlainWords words;
  std::size_t i = 0;
  while (i < lower.size()) {
    const char c = lower[i];
    if (blank(c)) {
      ++i;
      continue;
    }
    if (c == ',') {
      if (!words.comma()) return false;
      ++i;
      continue;
    }
    if (!ascii_alnum(c)) return false;
    const std::size_t begin = i;
    if (is_digit(c)) i = number_end(lower, i, false);
    while (i < lower.size() && ascii_alnum(lower[i])) ++i;
    // What the tokenizer would take into the same word (".", "_", "$", non-ASCII): not plain.
    if (i < lower.size() && !blank(lower[i]) && lower[i] != ',') return false;
    if (!words.word(lower.substr(begin, i - begin))) return false;
  }
  return words.plain();
}

SqlTokens::SqlTokens(std::string_view text, SqlContext context, bool backslash_escapes) noexcept
    : backslash_escapes_(backslash_escapes) {
  std::size_t start = 0;
  if (context != SqlContext::none) {
    const char q = context == SqlContext::single_quote   ? '\''
                   : context == SqlContext::double_quote ? '"'
                                                         : '`';
    std::size_t i = 0;
    closed_ = false;
    while (i < text.size()) {
      if (text[i] == '\\' && backslash_escapes_) {
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
    if (c == '\\' && n == 'N' && (i + 2 >= t.size() || !is_word_char(t[i + 2]))) {
      i += 2;  // MySQL's NULL literal: "aa'is\N|!'"
      push('1', begin, 2, kWordNull);
      continue;
    }
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
    // PostgreSQL JSON operators after a value: #> #>> #- (elsewhere '#' starts a comment).
    if (c == '#' && (n == '>' || n == '-') && count_ > 0 &&
        (tokens_[count_ - 1].type == 's' || tokens_[count_ - 1].type == ')')) {
      i += 2;
      while (i < t.size() && t[i] == '>') ++i;
      push('o', begin, i - begin, kWordCompare);
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
        if (t[i] == '\\' && backslash_escapes_) {
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
      const bool open = i >= t.size();
      i = std::min(i + 1, t.size());
      push('s', begin, i - begin, open ? kWordUnclosed : 0);
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
      i = number_end(t, i, true);
      push('1', begin, i - begin);
      continue;
    }
    if (c == '@' && (n == '>' || n == '?' ||
                     (n == '@' && (i + 2 >= t.size() || !is_word_char(t[i + 2]))))) {
      i += 2;  // PostgreSQL @> @? @@ (containment, JSON path)
      push('o', begin, 2, kWordCompare);
      continue;
    }
    if (c == '{' && i + 1 < t.size() && is_word_start(n)) {
      ++i;  // ODBC escape "{fn ...}", "{x ...}" (MySQL reads what follows the word)
      while (i < t.size() && is_word_char(t[i])) ++i;
      push('{', begin, i - begin);
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
      if (call && kw != nullptr && kw->id == kWordDatabase) {
        push('f', begin, len, kWordInfo);  // database()
        continue;
      }
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
      } else if (kw != nullptr && kw->type == 'o' && kw->id == 0 && call && next == i) {
        push('f', begin, len, kWordFunc);  // div(23,-2), mod(1,1): PostgreSQL functions
      } else if (kw != nullptr) {
        push(kw->type, begin, len, kw->id);
      } else if (const Keyword* fn = call && len <= sizeof lower ? find_function(w) : nullptr) {
        push('f', begin, len, fn->id);
      } else if (call && next == i) {
        push('f', begin, len);
      } else if ((w.size() >= 3 && w[1] == 'p' && w[2] == '_' && (w[0] == 'x' || w[0] == 's')) ||
                 (w.size() >= 7 && w[0] == 'm' && w.starts_with("master."))) {
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
      case '?':
        // PostgreSQL ? ?| ?& between values; a question mark in prose is 'X'.
        if (i < t.size() && (t[i] == '|' || t[i] == '&')) ++i;
        if (begin > 0 && is_blank(t[begin - 1]) && (i >= t.size() || is_blank(t[i]))) {
          push('o', begin, i - begin, kWordCompare);
        } else {
          push('X', begin, i - begin);
        }
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
        if (c == ':' && n == ':') {  // PostgreSQL cast
          ++i;
          push('o', begin, 2, kWordCast);
          break;
        }
        while (i < t.size() && (t[i] == '=' || t[i] == '>' || t[i] == '<')) ++i;
        if (c == '<' && i == begin + 1 && i < t.size() && t[i] == '@') ++i;  // <@
        if (c == ':' && i == begin + 1) {
          push('X', begin, 1);
        } else {
          push('o', begin, i - begin, kWordCompare);
        }
        break;
      case '-':
        if (n == '>') {  // -> ->> (JSON)
          ++i;
          if (i < t.size() && t[i] == '>') ++i;
          push('o', begin, i - begin, kWordCompare);
        } else {
          push('o', begin, 1);
        }
        break;
      case '+': case '*': case '/': case '%': case '^': case '~':
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

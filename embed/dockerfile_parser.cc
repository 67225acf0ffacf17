#include "embed/dockerfile_parser.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "embed/text_util.h"

namespace defender::embed {
namespace {

constexpr std::array<std::string_view, 18> kKnownKeywords = {
    "add",   "arg",        "cmd",  "copy",  "entrypoint", "env",     "expose",
    "from",  "healthcheck", "label", "maintainer", "onbuild", "run", "shell",
    "stopsignal", "user", "volume", "workdir"};

bool known_keyword(std::string_view keyword) {
  return std::find(kKnownKeywords.begin(), kKnownKeywords.end(), keyword) != kKnownKeywords.end();
}

// Keywords whose arguments BuildKit reads with parseMaybeJSON / parseMaybeJSONToList.
bool maybe_json_keyword(std::string_view k) {
  return k == "cmd" || k == "entrypoint" || k == "run" || k == "shell" || k == "add" ||
         k == "copy" || k == "volume";
}

bool heredoc_keyword(std::string_view k) { return k == "run" || k == "copy" || k == "add"; }

// --- physical lines ----------------------------------------------------------------------

// trimNewline: every trailing \r and \n.
std::string_view trim_newline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_comment(std::string_view raw) {
  const std::string_view s = trim_left_unicode_space(trim_newline(raw));
  return !s.empty() && s.front() == '#';
}

// --- parser directives -------------------------------------------------------------------

// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` (Go's \s: [\t\n\f\r ]).
bool go_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

bool match_directive(std::string_view line, std::string& key, std::string& value) {
  if (line.empty() || line.front() != '#') return false;
  std::size_t i = 1;
  while (i < line.size() && go_space(line[i])) ++i;
  const std::size_t key_start = i;
  if (i >= line.size() || !ascii_alpha(line[i])) return false;
  while (i < line.size() && (ascii_alpha(line[i]) || (line[i] >= '0' && line[i] <= '9'))) ++i;
  key.assign(line.substr(key_start, i - key_start));
  while (i < line.size() && go_space(line[i])) ++i;
  if (i >= line.size() || line[i] != '=') return false;
  ++i;
  while (i < line.size() && go_space(line[i])) ++i;
  std::string_view rest = line.substr(i);
  while (!rest.empty() && go_space(rest.back())) rest.remove_suffix(1);
  if (rest.empty()) return false;
  value.assign(rest);
  return true;
}

struct Directives {
  char escape = '\\';
  bool done = false;
  std::unordered_set<std::string> seen;

  // possibleParserDirective. Returns an error reason, or "" when fine.
  std::string feed(std::string_view token) {
    if (done) return "";
    std::string key;
    std::string value;
    if (!match_directive(token, key, value)) {
      done = true;
      return "";
    }
    key = to_lower(key);
    if (key != "escape" && key != "syntax" && key != "check") {
      done = true;
      return "";
    }
    if (!seen.insert(key).second) return "only one " + key + " parser directive can be used";
    if (key == "escape") {
      if (value != "`" && value != "\\") {
        return "invalid escape token '" + value + "' does not match ` or \\";
      }
      escape = value[0];
    }
    return "";
  }

  // The continuation regex `([^E])E[ \t]*$|^E[ \t]*$`: returns true and strips the escape (and
  // what follows it) when `line` continues on the next line.
  bool trim_continuation(std::string& line) const {
    std::size_t end = line.size();
    while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
    if (end == 0 || line[end - 1] != escape) return false;
    if (end >= 2 && line[end - 2] == escape) return false;
    line.resize(end - 1);
    return true;
  }
};

// --- splitCommand / extractBuilderFlags ---------------------------------------------------

bool token_space(char c) { return c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == ' '; }

// extractBuilderFlags tests unicode.IsSpace on single bytes, so 0x85 and 0xA0 count too.
bool go_byte_space(char c) {
  const auto u = static_cast<unsigned char>(c);
  return is_ascii_space(c) || u == 0x85 || u == 0xA0;
}

// BuildKit's extractBuilderFlags: leading words starting with "--" are flags; a flag without
// '=' takes the next word as its value; a bare "--" ends the flags.
std::string_view extract_flags(std::string_view line, std::vector<std::string>& flags) {
  enum { kSpaces, kWord, kQuote } phase = kSpaces;
  std::string word;
  char quote = 0;
  bool blank_ok = false;
  bool parsing_flag_arg = false;
  bool need_flag_arg = true;
  for (std::size_t pos = 0; pos <= line.size(); ++pos) {
    const char ch = pos < line.size() ? line[pos] : '\0';
    if (phase == kSpaces) {
      if (pos == line.size()) break;
      if (go_byte_space(ch)) continue;
      if (!parsing_flag_arg &&
          (ch != '-' || pos + 1 == line.size() || line[pos + 1] != '-')) {
        return line.substr(pos);
      }
      phase = kWord;
    }
    if (pos == line.size()) {
      if (word != "--" && (blank_ok || !word.empty())) {
        if (parsing_flag_arg && !flags.empty()) {
          flags.back() += "=" + word;
        } else {
          flags.push_back(word);
        }
      }
      break;
    }
    if (phase == kWord) {
      if (go_byte_space(ch)) {
        phase = kSpaces;
        if (parsing_flag_arg) {
          flags.back() += "=" + word;
          parsing_flag_arg = false;
          need_flag_arg = true;
        } else {
          if (word == "--") return line.substr(pos);
          if (blank_ok || !word.empty()) {
            if (need_flag_arg) parsing_flag_arg = true;
            flags.push_back(word);
          }
        }
        word.clear();
        blank_ok = false;
        continue;
      }
      if (ch == '=' && need_flag_arg) need_flag_arg = false;
      if (ch == '\'' || ch == '"') {
        quote = ch;
        blank_ok = true;
        phase = kQuote;
        continue;
      }
      char c = ch;
      if (c == '\\') {
        if (pos + 1 == line.size()) continue;
        c = line[++pos];
      }
      word.push_back(c);
      continue;
    }
    // kQuote
    if (ch == quote) {
      phase = kWord;
      continue;
    }
    char c = ch;
    if (c == '\\') {
      if (pos + 1 == line.size()) {
        phase = kWord;
        continue;
      }
      c = line[++pos];
    }
    word.push_back(c);
  }
  return {};
}

struct Split {
  std::string keyword;
  std::vector<std::string> flags;
  std::string args;
};

Split split_command(std::string_view line) {
  Split out;
  const std::string_view trimmed = trim_unicode_space(line);
  std::size_t i = 0;
  while (i < trimmed.size() && !token_space(trimmed[i])) ++i;
  out.keyword = to_lower(trimmed.substr(0, i));
  while (i < trimmed.size() && token_space(trimmed[i])) ++i;
  if (i < trimmed.size()) {
    out.args = std::string(trim_unicode_space(extract_flags(trimmed.substr(i), out.flags)));
  }
  return out;
}

// --- heredocs ----------------------------------------------------------------------------

// Words of `line` as BuildKit's shell lexer gives them with RawQuotes and RawEscapes: quotes
// and escapes kept, split on unquoted whitespace.
std::vector<std::string> raw_words(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (is_ascii_space(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      word.push_back(c);
      if (i + 1 < line.size()) word.push_back(line[++i]);
    } else if (c == '\'') {
      const std::size_t close = line.find('\'', i + 1);
      const std::size_t stop = close == std::string_view::npos ? line.size() - 1 : close;
      word.append(line.substr(i, stop - i + 1));
      i = stop;
    } else if (c == '"') {
      word.push_back(c);
      for (++i; i < line.size(); ++i) {
        word.push_back(line[i]);
        if (line[i] == '\\' && i + 1 < line.size()) {
          word.push_back(line[++i]);
        } else if (line[i] == '"') {
          break;
        }
      }
    } else if (c == '$' && i + 1 < line.size() && line[i + 1] == '{') {
      const std::size_t close = line.find('}', i);
      const std::size_t stop = close == std::string_view::npos ? line.size() - 1 : close;
      word.append(line.substr(i, stop - i + 1));
      i = stop;
    } else {
      word.push_back(c);
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

// The word with quotes removed and escapes applied (the lexer without RawQuotes).
std::string unquote_word(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      out.push_back(raw[++i]);
    } else if (c == '\'') {
      for (++i; i < raw.size() && raw[i] != '\''; ++i) out.push_back(raw[i]);
    } else if (c == '"') {
      for (++i; i < raw.size() && raw[i] != '"'; ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size() &&
            (raw[i + 1] == '"' || raw[i + 1] == '$' || raw[i + 1] == '\\')) {
          ++i;
        }
        out.push_back(raw[i]);
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct HeredocWord {
  std::string name;
  bool chomp = false;
};

// `^(\d*)<<(-?)([^<]*)$` on a raw word, with a non-empty rest.
std::optional<HeredocWord> heredoc_from_word(std::string_view word) {
  std::size_t i = 0;
  while (i < word.size() && word[i] >= '0' && word[i] <= '9') ++i;
  if (word.substr(i, 2) != "<<") return std::nullopt;
  i += 2;
  HeredocWord out;
  if (i < word.size() && word[i] == '-') {
    out.chomp = true;
    ++i;
  }
  const std::string_view rest = word.substr(i);
  if (rest.empty() || rest.find('<') != std::string_view::npos) return std::nullopt;
  out.name = unquote_word(rest);
  return out;
}

// --- JSON (Docker's exec form) -----------------------------------------------------------

class StringArraySax {
 public:
  using json = nlohmann::json;
  explicit StringArraySax(Argv& out) : out_(out) {}

  bool null() { return other(); }
  bool boolean(bool) { return other(); }
  bool number_integer(json::number_integer_t) { return other(); }
  bool number_unsigned(json::number_unsigned_t) { return other(); }
  bool number_float(json::number_float_t, const json::string_t& text) {
    // Go reads numbers as float64 and reports an out-of-range one differently: refuse.
    if (text.size() > 15) unsure_ = true;
    return other();
  }
  bool string(json::string_t& value) {
    if (depth_ == 1) {
      out_.push_back(value);
      return true;
    }
    return other();
  }
  bool binary(json::binary_t&) { return other(); }
  bool start_object(std::size_t) {
    other();
    ++depth_;
    return true;
  }
  bool key(json::string_t&) { return true; }
  bool end_object() {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) {
    if (depth_ >= 1) other();
    ++depth_;
    return true;
  }
  bool end_array() {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;
  }

  bool not_strings() const { return not_strings_; }
  bool unsure() const { return unsure_; }

 private:
  bool other() {
    if (depth_ <= 1) not_strings_ = true;
    return true;
  }

  Argv& out_;
  int depth_ = 0;
  bool not_strings_ = false;
  bool unsure_ = false;
};

// Go's strings.TrimLeftFunc(s, unicode.IsSpace) then the "[" test.
bool looks_like_json_array(std::string_view text) {
  const std::string_view s = trim_left_unicode_space(text);
  return !s.empty() && s.front() == '[';
}

// --- stages ------------------------------------------------------------------------------

// parseWords for `ARG a=b c`: quotes kept by BuildKit then removed when the ARG is processed.
std::vector<std::string> arg_words(std::string_view rest, char escape) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (quote == 0 && is_ascii_space(c)) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == escape && quote == '"' && i + 1 < rest.size()) {
        word.push_back(rest[++i]);
      } else {
        word.push_back(c);
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == escape && i + 1 < rest.size()) {
      word.push_back(rest[++i]);
    } else {
      word.push_back(c);
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

bool valid_stage_name(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

// $NAME, ${NAME}, ${NAME:-w}, ${NAME-w}, ${NAME:+w}, ${NAME+w} with the meta ARGs' defaults.
std::optional<std::string> expand_meta_args(
    std::string_view text, const std::unordered_map<std::string, std::optional<std::string>>& args,
    std::string& error) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out.push_back(text[i]);
      continue;
    }
    std::string name;
    std::string op;
    std::string word;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      const std::size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        error = "unterminated ${ in FROM";
        return std::nullopt;
      }
      const std::string_view inner = text.substr(i + 2, close - i - 2);
      std::size_t n = 0;
      while (n < inner.size() && (ascii_alpha(inner[n]) || inner[n] == '_' ||
                                  (n > 0 && inner[n] >= '0' && inner[n] <= '9'))) {
        ++n;
      }
      name = std::string(inner.substr(0, n));
      std::string_view tail = inner.substr(n);
      for (std::string_view candidate : {":-", ":+", "-", "+"}) {
        if (tail.substr(0, candidate.size()) == candidate) {
          op = std::string(candidate);
          word = std::string(tail.substr(candidate.size()));
          tail = {};
          break;
        }
      }
      if (name.empty() || !tail.empty() || word.find('$') != std::string::npos) {
        error = "variable expansion '${" + std::string(inner) + "}' in FROM is not supported";
        return std::nullopt;
      }
      i = close;
    } else {
      std::size_t n = i + 1;
      while (n < text.size() && (ascii_alpha(text[n]) || text[n] == '_' ||
                                 (n > i + 1 && text[n] >= '0' && text[n] <= '9'))) {
        ++n;
      }
      if (n == i + 1) {
        out.push_back('$');
        continue;
      }
      name = std::string(text.substr(i + 1, n - i - 1));
      i = n - 1;
    }
    const auto found = args.find(name);
    const bool set = found != args.end() && found->second.has_value();
    const std::string value = set ? *found->second : "";
    if (op == ":-") {
      out += value.empty() ? word : value;
    } else if (op == "-") {
      out += set ? value : word;
    } else if (op == ":+") {
      out += value.empty() ? "" : word;
    } else if (op == "+") {
      out += set ? word : "";
    } else {
      out += value;
    }
  }
  return out;
}

std::optional<ParseError> build_stages(Dockerfile& file) {
  std::unordered_map<std::string, std::optional<std::string>> meta_args;
  for (std::size_t i = 0; i < file.instructions.size(); ++i) {
    const Instruction& ins = file.instructions[i];
    if (ins.keyword == "from") {
      for (const auto& flag : ins.flags) {
        if (flag.rfind("--platform=", 0) != 0) {
          return ParseError{ins.start_line, "unknown flag on FROM: " + flag};
        }
      }
      std::vector<std::string> words;
      std::string_view rest = ins.args;
      while (!rest.empty()) {
        std::size_t n = 0;
        while (n < rest.size() && !token_space(rest[n])) ++n;
        words.emplace_back(rest.substr(0, n));
        while (n < rest.size() && token_space(rest[n])) ++n;
        rest.remove_prefix(n);
      }
      if (words.size() != 1 && !(words.size() == 3 && to_lower(words[1]) == "as")) {
        return ParseError{ins.start_line, "FROM takes 'image' or 'image AS name'"};
      }
      Stage stage;
      stage.from = i;
      if (words.size() == 3) {
        stage.name = to_lower(words[2]);
        if (!valid_stage_name(stage.name)) {
          return ParseError{ins.start_line, "invalid name for build stage: '" + words[2] +
                                                "', name can't start with a number or contain symbols"};
        }
        for (const auto& other : file.stages) {
          if (other.name == stage.name) {
            return ParseError{ins.start_line, "duplicate stage name '" + stage.name + "'"};
          }
        }
      }
      std::string error;
      const auto base = expand_meta_args(words[0], meta_args, error);
      if (!base) return ParseError{ins.start_line, error};
      if (base->empty()) return ParseError{ins.start_line, "base name (" + words[0] + ") should not be blank"};
      stage.base = *base;
      const std::string base_lower = to_lower(stage.base);
      for (std::size_t s = 0; s < file.stages.size(); ++s) {
        if (!file.stages[s].name.empty() && file.stages[s].name == base_lower) {
          stage.parent = static_cast<int>(s);
        }
      }
      if (!file.stages.empty()) file.stages.back().end = i;
      file.stages.push_back(stage);
      continue;
    }
    if (file.stages.empty()) {
      if (ins.keyword != "arg") {
        return ParseError{ins.start_line, to_upper(ins.keyword) +
                                              " before the first FROM (only ARG may come first)"};
      }
      for (const auto& word : arg_words(ins.args, file.escape)) {
        const std::size_t eq = word.find('=');
        if (eq == std::string::npos) {
          meta_args.emplace(word, std::nullopt);
        } else {
          meta_args[word.substr(0, eq)] = word.substr(eq + 1);
        }
      }
    }
  }
  if (file.stages.empty()) return ParseError{0, "no FROM instruction: nothing to build"};
  file.stages.back().end = file.instructions.size();
  return std::nullopt;
}

// --- one logical line -> Instruction -------------------------------------------------------

std::optional<std::string> fill_instruction(Instruction& ins, std::string_view line,
                                            bool nested = false) {
  Split split = split_command(line);
  ins.keyword = std::move(split.keyword);
  ins.flags = std::move(split.flags);
  ins.args = std::move(split.args);
  if (!known_keyword(ins.keyword)) {
    return "unknown instruction: " + to_upper(ins.keyword);
  }
  if (ins.keyword == "onbuild") {
    if (nested) return std::string("ONBUILD cannot wrap ONBUILD");
    if (ins.args.empty()) return std::string("ONBUILD needs an instruction");
    Instruction inner;
    if (auto error = fill_instruction(inner, ins.args, true)) return error;
    if (inner.keyword == "from" || inner.keyword == "maintainer") {
      return to_upper(inner.keyword) + " isn't allowed as an ONBUILD trigger";
    }
    ins.onbuild_keyword = inner.keyword;
    ins.json = inner.json;
    return std::nullopt;
  }
  std::string_view json_part = ins.args;
  if (ins.keyword == "healthcheck") {
    // HEALTHCHECK CMD ... : the part after the type word is parseMaybeJSON.
    std::size_t sep = 0;
    while (sep < json_part.size() && !is_ascii_space(json_part[sep])) ++sep;
    while (sep < json_part.size() && is_ascii_space(json_part[sep])) ++sep;
    json_part.remove_prefix(sep);
  } else if (!maybe_json_keyword(ins.keyword)) {
    return std::nullopt;
  }
  if (json_part.empty()) return std::nullopt;
  Argv argv;
  switch (parse_json_array(json_part, argv)) {
    case JsonArray::kStrings:
      ins.json = true;
      ins.json_args = std::move(argv);
      break;
    case JsonArray::kNotStrings:
      return std::string("when using JSON array syntax, arrays must be comprised of strings only");
    case JsonArray::kUnsure:
      return std::string(
          "this JSON array uses invalid UTF-8, a lone surrogate or an out-of-range number, which "
          "Docker reads differently from a JSON parser; write it without them");
    case JsonArray::kNotJson:
      break;
  }
  return std::nullopt;
}

void compute_line_offsets(Dockerfile& file) {
  file.line_offsets.clear();
  const std::string& s = file.source;
  std::size_t start = 0;
  while (start < s.size()) {
    file.line_offsets.push_back(start);
    const std::size_t nl = s.find('\n', start);
    start = nl == std::string::npos ? s.size() : nl + 1;
  }
  file.line_offsets.push_back(s.size());
}

}  // namespace

std::string ParseError::to_string() const {
  return line > 0 ? "line " + std::to_string(line) + ": " + reason : reason;
}

JsonArray parse_json_array(std::string_view text, Argv& out) {
  out.clear();
  if (!looks_like_json_array(text)) return JsonArray::kNotJson;
  if (!valid_utf8(text)) return JsonArray::kUnsure;
  StringArraySax sax(out);
  const bool ok = nlohmann::json::sax_parse(text, &sax);
  if (!ok) {
    out.clear();
    // nlohmann refuses a lone surrogate escape that Go reads as U+FFFD: refuse to guess.
    std::string lower = to_lower(text);
    if (lower.find("\\ud") != std::string::npos) return JsonArray::kUnsure;
    return JsonArray::kNotJson;
  }
  if (sax.unsure()) {
    out.clear();
    return JsonArray::kUnsure;
  }
  if (sax.not_strings()) {
    out.clear();
    return JsonArray::kNotStrings;
  }
  return JsonArray::kStrings;
}

ParseResult parse_dockerfile(std::string_view text, const ParseLimits& limits) {
  ParseResult result;
  auto fail = [&result](int line, std::string reason) {
    result.error = ParseError{line, std::move(reason)};
    return result;
  };
  if (text.size() > limits.max_bytes) {
    return fail(0, "the Dockerfile is larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  Dockerfile file;
  file.source = std::string(text);
  compute_line_offsets(file);
  const int lines = file.line_count();
  for (int n = 1; n <= lines; ++n) {
    const std::size_t begin = file.line_offsets[static_cast<std::size_t>(n - 1)];
    const std::size_t end = file.line_offsets[static_cast<std::size_t>(n)];
    if (end - begin > limits.max_line_bytes + 1) {
      return fail(n, "line longer than " + std::to_string(limits.max_line_bytes) + " bytes");
    }
    if (file.source.find('\0', begin) < end) return fail(n, "NUL byte in the Dockerfile");
  }
  auto raw_line = [&file](int n) {
    const std::size_t begin = file.line_offsets[static_cast<std::size_t>(n - 1)];
    const std::size_t end = file.line_offsets[static_cast<std::size_t>(n)];
    std::string_view s(file.source.data() + begin, end - begin);
    if (n == 1 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
    return s;
  };

  Directives directives;
  int current = 0;
  while (current < lines) {
    ++current;
    const int start_line = current;
    // processLine(stripLeftWhitespace = true)
    std::string_view token = trim_left_unicode_space(trim_newline(raw_line(current)));
    if (std::string reason = directives.feed(token); !reason.empty()) return fail(current, reason);
    std::string line = (!token.empty() && token.front() == '#') ? std::string() : std::string(token);
    bool continues = directives.trim_continuation(line);
    if (!continues && line.empty()) continue;

    bool empty_continuation = false;
    while (continues && current < lines) {
      ++current;
      const std::string_view raw = raw_line(current);
      std::string_view next = trim_newline(raw);
      if (std::string reason = directives.feed(next); !reason.empty()) return fail(current, reason);
      if (is_comment(raw)) continue;
      if (trim_left_unicode_space(next).empty()) {
        empty_continuation = true;
        continue;
      }
      std::string piece(next);
      continues = directives.trim_continuation(piece);
      line += piece;
    }
    if (continues && current >= lines) file.ends_in_continuation = true;
    if (empty_continuation) {
      result.warnings.push_back("line " + std::to_string(start_line) +
                                ": empty continuation line (BuildKit warns about these)");
    }
    if (file.instructions.size() >= limits.max_instructions) {
      return fail(start_line, "more than " + std::to_string(limits.max_instructions) + " instructions");
    }

    Instruction ins;
    ins.start_line = start_line;
    if (auto error = fill_instruction(ins, line)) return fail(start_line, *error);

    const bool heredocs_allowed =
        !ins.json && (heredoc_keyword(ins.keyword) ||
                      (ins.keyword == "onbuild" && heredoc_keyword(ins.onbuild_keyword)));
    if (heredocs_allowed) {
      for (const auto& word : raw_words(line)) {
        const auto heredoc = heredoc_from_word(word);
        if (!heredoc) continue;
        bool terminated = false;
        while (current < lines) {
          ++current;
          std::string_view candidate = trim_newline(raw_line(current));
          if (heredoc->chomp) {
            while (!candidate.empty() && candidate.front() == '\t') candidate.remove_prefix(1);
          }
          if (candidate == heredoc->name) {
            terminated = true;
            break;
          }
        }
        if (!terminated) {
          return fail(start_line, "unterminated heredoc: no line '" + heredoc->name +
                                      "' closes it before the end of the file");
        }
        ins.heredocs.push_back(heredoc->name);
      }
    }
    ins.end_line = current;
    file.instructions.push_back(std::move(ins));
  }
  if (file.instructions.empty()) return fail(0, "file with no instructions");
  file.escape = directives.escape;
  if (auto error = build_stages(file)) {
    result.error = std::move(error);
    return result;
  }
  result.dockerfile = std::move(file);
  return result;
}

}  // namespace defender::embed

// A Dockerfile read the way BuildKit reads it (moby/buildkit frontend/dockerfile/parser):
// parser directives (`# escape=`, `# syntax=`, `# check=`) only at the very top, line
// continuations with the escape character, comment lines and empty lines inside
// continuations, heredocs on RUN/COPY/ADD (`<<EOF`, `<<-EOF`, quoted delimiters, several on a
// line), exec (JSON) versus shell form with Docker's rule (only a valid JSON array of strings is
// exec form; a valid JSON array holding anything else is an error), flags (`--platform=`),
// case-insensitive keywords, `ARG` before the first `FROM`, `FROM image [AS name]`.
//
// The parser only reads: it keeps the source and where each instruction sits in it (physical
// lines) so that a rewrite can change exactly those lines and nothing else. Anything it does not
// understand is an error with the line and the reason, never a guess. Pure, no I/O, no
// exceptions past parse_dockerfile(); safe on untrusted input within `ParseLimits`.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace defender::embed {

using Argv = std::vector<std::string>;

// One instruction as BuildKit's AST has it.
struct Instruction {
  std::string keyword;             // lower case: "from", "cmd", "entrypoint", ...
  std::vector<std::string> flags;  // leading --flags as written ("--platform=linux/amd64")
  std::string args;                // the logical line after keyword and flags, trimmed
  bool json = false;               // exec form: `args` parsed as a JSON array of strings
  Argv json_args;                  // the array when json
  std::vector<std::string> heredocs;  // delimiter names, in order (RUN/COPY/ADD only)
  std::string onbuild_keyword;     // for ONBUILD: the keyword of the wrapped instruction
  int start_line = 0;              // 1-based physical line of the keyword
  int end_line = 0;                // last physical line (continuations and heredocs included)
};

// A build stage: FROM and everything up to the next FROM.
struct Stage {
  std::string base;   // the image as written after meta-ARG expansion ("node:20", "builder")
  std::string name;   // `AS name`, lower case; "" when unnamed
  std::size_t from;   // index of its FROM in Dockerfile::instructions
  std::size_t end;    // one past its last instruction
  int parent = -1;    // index of the earlier stage `base` names, -1 for an image
};

struct Dockerfile {
  std::string source;                 // the text as given (a BOM, if any, included)
  char escape = '\\';
  std::vector<Instruction> instructions;  // every instruction, meta ARGs first
  std::vector<Stage> stages;          // never empty in a parsed file
  // Byte offset where each physical line starts; lines are 1-based, so line N starts at
  // line_offsets[N - 1]. One extra entry holds source.size().
  std::vector<std::size_t> line_offsets;
  bool ends_in_continuation = false;  // the last instruction's last line ends with the escape

  int line_count() const { return static_cast<int>(line_offsets.size()) - 1; }
  const Stage& final_stage() const { return stages.back(); }
};

struct ParseError {
  int line = 0;  // 1-based; 0 when the problem has no single line
  std::string reason;
  std::string to_string() const;  // "line N: reason"
};

struct ParseLimits {
  std::size_t max_bytes = std::size_t{1} << 20;  // a larger file is refused
  std::size_t max_instructions = 10000;
  std::size_t max_line_bytes = 65535;            // BuildKit's scanner limit (64 KiB - 1)
};

struct ParseResult {
  std::optional<Dockerfile> dockerfile;  // set when error is not
  std::optional<ParseError> error;
  std::vector<std::string> warnings;     // e.g. empty continuation lines
  bool ok() const { return dockerfile.has_value(); }
};

ParseResult parse_dockerfile(std::string_view text, const ParseLimits& limits = {});

// Docker's JSON rule for exec form, exposed for tests: kNotJson (shell form), kStrings (exec
// form, `out` filled), kNotStrings (a JSON array holding something other than strings: an error
// in Docker too), kUnsure (JSON this parser cannot read exactly as Go does: refused).
enum class JsonArray { kNotJson, kStrings, kNotStrings, kUnsure };
JsonArray parse_json_array(std::string_view text, Argv& out);

}  // namespace defender::embed

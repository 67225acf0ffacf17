// The parser's BuildKit rules one at a time: JSON versus shell form, flags, continuations,
// directives, heredocs, stages, places of instructions, limits and garbage input.
#include "embed/dockerfile_parser.h"

#include <gtest/gtest.h>

#include <random>

namespace defender::embed {
namespace {

Dockerfile parse_ok(std::string_view text) {
  ParseResult result = parse_dockerfile(text);
  EXPECT_TRUE(result.ok()) << (result.error ? result.error->to_string() : "");
  return result.ok() ? std::move(*result.dockerfile) : Dockerfile{};
}

TEST(JsonArray, OnlyAValidArrayOfStringsIsExecForm) {
  Argv argv;
  EXPECT_EQ(parse_json_array(R"(["a", "b c"])", argv), JsonArray::kStrings);
  EXPECT_EQ(argv, (Argv{"a", "b c"}));
  EXPECT_EQ(parse_json_array("[]", argv), JsonArray::kStrings);
  EXPECT_TRUE(argv.empty());
  EXPECT_EQ(parse_json_array("  [\"a\"]  ", argv), JsonArray::kStrings);
  EXPECT_EQ(parse_json_array("['a']", argv), JsonArray::kNotJson);
  EXPECT_EQ(parse_json_array("[\"a\",]", argv), JsonArray::kNotJson);
  EXPECT_EQ(parse_json_array("[\"a\"] b", argv), JsonArray::kNotJson);
  EXPECT_EQ(parse_json_array("echo [\"a\"]", argv), JsonArray::kNotJson);
  EXPECT_EQ(parse_json_array("[\"a\"", argv), JsonArray::kNotJson);
  EXPECT_EQ(parse_json_array("[1]", argv), JsonArray::kNotStrings);
  EXPECT_EQ(parse_json_array("[\"a\", null]", argv), JsonArray::kNotStrings);
  EXPECT_EQ(parse_json_array("[[\"a\"]]", argv), JsonArray::kNotStrings);
  EXPECT_EQ(parse_json_array("[{\"a\": \"b\"}]", argv), JsonArray::kNotStrings);
  EXPECT_EQ(parse_json_array("[\"\\ud800\"]", argv), JsonArray::kUnsure);
  EXPECT_EQ(parse_json_array("[\"\xff\"]", argv), JsonArray::kUnsure);
  EXPECT_EQ(parse_json_array("[\"\\u00e9\\n\"]", argv), JsonArray::kStrings);
  EXPECT_EQ(argv, (Argv{"\xc3\xa9\n"}));
}

TEST(DockerfileParser, KeepsPlacesOfInstructions) {
  const Dockerfile file = parse_ok("# c\nFROM scratch\n\nRUN a \\\n  b\nCMD [\"x\"]\n");
  ASSERT_EQ(file.instructions.size(), 3u);
  EXPECT_EQ(file.instructions[1].keyword, "run");
  EXPECT_EQ(file.instructions[1].args, "a   b");
  EXPECT_EQ(file.instructions[1].start_line, 4);
  EXPECT_EQ(file.instructions[1].end_line, 5);
  EXPECT_EQ(file.instructions[2].start_line, 6);
  EXPECT_EQ(file.line_count(), 6);
}

TEST(DockerfileParser, FlagsAreSplitOff) {
  const Dockerfile file = parse_ok(
      "FROM --platform=linux/amd64 alpine AS b\nRUN --mount=type=cache,target=/c --network=none make\n"
      "COPY --from=b --chown=1:1 /a /b\n");
  EXPECT_EQ(file.instructions[0].flags, (std::vector<std::string>{"--platform=linux/amd64"}));
  EXPECT_EQ(file.instructions[0].args, "alpine AS b");
  EXPECT_EQ(file.stages[0].name, "b");
  EXPECT_EQ(file.instructions[1].flags.size(), 2u);
  EXPECT_EQ(file.instructions[1].args, "make");
  EXPECT_EQ(file.instructions[2].args, "/a /b");
}

TEST(DockerfileParser, EscapedEscapeAtEndIsNotAContinuation) {
  const Dockerfile file = parse_ok("FROM scratch\nRUN echo a\\\\\nCMD [\"x\"]\n");
  ASSERT_EQ(file.instructions.size(), 3u);
  EXPECT_EQ(file.instructions[1].args, "echo a\\\\");
}

TEST(DockerfileParser, DirectivesOnlyAtTheTop) {
  EXPECT_EQ(parse_ok("# escape=`\nFROM scratch\n").escape, '`');
  EXPECT_EQ(parse_ok("#escape = ` \nFROM scratch\n").escape, '`');
  EXPECT_EQ(parse_ok("\n# escape=`\nFROM scratch\n").escape, '\\');
  EXPECT_EQ(parse_ok("FROM scratch\n# escape=`\n").escape, '\\');
  EXPECT_EQ(parse_ok("# syntax=docker/dockerfile:1\n# check=skip=all\n# escape=`\nFROM scratch\n").escape, '`');
  // An unknown directive ends the directives.
  EXPECT_EQ(parse_ok("# foo=bar\n# escape=`\nFROM scratch\n").escape, '\\');
}

TEST(DockerfileParser, HeredocBodiesAreNotInstructions) {
  const Dockerfile file = parse_ok(
      "FROM alpine\nRUN <<EOF bash\nFROM evil\nEOF\nRUN <<-\"END\"\n\tCMD x\n\tEND\nRUN [\"<<EOF\"]\n"
      "RUN echo '<<NOT'\n");
  ASSERT_EQ(file.stages.size(), 1u);
  ASSERT_EQ(file.instructions.size(), 5u);
  EXPECT_EQ(file.instructions[1].heredocs, (std::vector<std::string>{"EOF"}));
  EXPECT_EQ(file.instructions[1].end_line, 4);
  EXPECT_EQ(file.instructions[2].heredocs, (std::vector<std::string>{"END"}));
  EXPECT_TRUE(file.instructions[3].heredocs.empty());  // exec form: no heredoc
  EXPECT_TRUE(file.instructions[4].heredocs.empty());  // quoted
}

TEST(DockerfileParser, HeredocOnCmdIsNotAHeredoc) {
  // Only RUN, COPY and ADD take heredocs: "<<EOF" is CMD's shell text, so the next line is
  // an instruction of its own, and BuildKit fails on it too.
  const ParseResult result = parse_dockerfile("FROM scratch\nCMD cat <<EOF\nEOF\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->line, 3);
  EXPECT_NE(result.error->reason.find("unknown instruction: EOF"), std::string::npos);
}

TEST(DockerfileParser, StagesAndParents) {
  const Dockerfile file = parse_ok(
      "ARG V=3.19\nFROM alpine:${V} AS Base\nFROM base AS two\nFROM other\nFROM TWO\n");
  ASSERT_EQ(file.stages.size(), 4u);
  EXPECT_EQ(file.stages[0].base, "alpine:3.19");
  EXPECT_EQ(file.stages[0].name, "base");
  EXPECT_EQ(file.stages[1].parent, 0);
  EXPECT_EQ(file.stages[2].parent, -1);
  EXPECT_EQ(file.stages[3].parent, 1);
}

TEST(DockerfileParser, MetaArgExpansionForms) {
  const Dockerfile file = parse_ok(
      "ARG A\nARG B=b\nFROM ${A:-x}\nFROM ${B:+y}\nFROM $B-z\nFROM ${A-w}1\n");
  EXPECT_EQ(file.stages[0].base, "x");
  EXPECT_EQ(file.stages[1].base, "y");
  EXPECT_EQ(file.stages[2].base, "b-z");
  EXPECT_EQ(file.stages[3].base, "w1");
}

TEST(DockerfileParser, Limits) {
  ParseLimits limits;
  limits.max_bytes = 64;
  EXPECT_FALSE(parse_dockerfile(std::string(65, 'a'), limits).ok());
  limits = ParseLimits{};
  limits.max_line_bytes = 15;
  const ParseResult result = parse_dockerfile("FROM scratch\nRUN aaaaaaaaaaaaaaaa\n", limits);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->line, 2);
  limits = ParseLimits{};
  limits.max_instructions = 2;
  EXPECT_FALSE(parse_dockerfile("FROM a\nRUN b\nRUN c\n", limits).ok());
}

TEST(DockerfileParser, GarbageNeverCrashes) {
  std::mt19937 rng(7);
  const std::string alphabet = "FROM CMD ENTRYPOINT RUN <<EOF\n\\`#[]\"', \t\r\x00\xff-=${}:";
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int length = static_cast<int>(rng() % 200);
    for (int i = 0; i < length; ++i) text.push_back(alphabet[rng() % alphabet.size()]);
    const ParseResult result = parse_dockerfile(text);
    EXPECT_NE(result.ok(), result.error.has_value());
  }
}

}  // namespace
}  // namespace defender::embed

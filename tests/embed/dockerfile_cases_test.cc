// Table tests over real-world Dockerfile shapes (tests/embed/cases/*.Dockerfile with a
// .expect beside each) and bad Dockerfiles (tests/embed/bad/): for each good file, the argv
// the runtime runs is the expected one, the rewrite runs exactly that argv behind the
// defender, the expected lines are the only ones commented out, and every other original
// line is still there unchanged. For each bad file, the error names the expected line and
// reason.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "embed/rewrite.h"

namespace defender::embed {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::map<std::string, std::string> read_expect(const fs::path& path) {
  std::map<std::string, std::string> out;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    out[line.substr(0, colon)] = value;
  }
  return out;
}

std::optional<Argv> json_argv(const std::string& text) {
  if (text == "null") return Argv{};
  return nlohmann::json::parse(text).get<Argv>();
}

BaseConfig base_from(const std::map<std::string, std::string>& expect) {
  BaseConfig base;
  if (expect.count("entrypoint")) base.entrypoint = json_argv(expect.at("entrypoint"));
  if (expect.count("cmd")) base.cmd = json_argv(expect.at("cmd"));
  if (expect.count("base_user")) base.user = expect.at("base_user");
  return base;
}

std::vector<std::string> cases_in(const char* folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(fs::path(EMBED_TEST_DIR) / folder)) {
    if (entry.path().extension() == ".Dockerfile") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Physical lines, each without its line ending.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    start = nl + 1;
  }
  return lines;
}

std::string case_name(const ::testing::TestParamInfo<std::string>& param) { return param.param; }

class GoodDockerfile : public ::testing::TestWithParam<std::string> {};

TEST_P(GoodDockerfile, RewriteRunsTheOriginalArgvBehindTheDefender) {
  const fs::path dir = fs::path(EMBED_TEST_DIR) / "cases";
  const std::string text = slurp(dir / (GetParam() + ".Dockerfile"));
  const auto expect = read_expect(dir / (GetParam() + ".expect"));
  ASSERT_TRUE(expect.count("argv")) << "case without argv";

  ParseResult parsed = parse_dockerfile(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error->to_string();
  const BaseConfig base = base_from(expect);
  const ArgvResult original = effective_argv(*parsed.dockerfile, base);
  ASSERT_TRUE(original.argv) << original.error->to_string();
  EXPECT_EQ(*original.argv, *json_argv(expect.at("argv")));

  EmbedOptions options;
  options.app_id = "shop";
  options.base = base;
  const RewriteResult rewritten = rewrite_dockerfile(*parsed.dockerfile, options);
  ASSERT_TRUE(rewritten.ok()) << rewritten.error->to_string();
  EXPECT_EQ(rewritten.original_argv, *original.argv);

  // The rewritten file, parsed again, runs the defender with the original argv after "--".
  ParseResult again = parse_dockerfile(rewritten.dockerfile);
  ASSERT_TRUE(again.ok()) << again.error->to_string() << "\n" << rewritten.dockerfile;
  const ArgvResult now = effective_argv(*again.dockerfile, base);
  ASSERT_TRUE(now.argv);
  ASSERT_GE(now.argv->size(), 3u);
  EXPECT_EQ((*now.argv)[0], "/rasp/defender");
  EXPECT_EQ((*now.argv)[1], "rasp");
  EXPECT_EQ(argv_behind_defender(*now.argv), original.argv) << rewritten.dockerfile;

  // --user: as expected ("-": the user is unknown, "" root: no flag).
  if (expect.count("user")) {
    const std::string& user = expect.at("user");
    const bool wants_flag = user != "-" && !user.empty() && user != "root";
    const auto dashes = std::find(now.argv->begin(), now.argv->end(), "--");
    const auto flag = std::find(now.argv->begin(), dashes, "--user");
    const std::string added = rewritten.dockerfile.substr(rewritten.dockerfile.find("# ---- added by"));
    if (wants_flag) {
      ASSERT_NE(flag, dashes) << rewritten.dockerfile;
      EXPECT_EQ(*(flag + 1), user);
      EXPECT_NE(added.find("\nUSER root"), std::string::npos);
      EXPECT_EQ(now.config.user, std::optional<std::string>("root"));
    } else {
      EXPECT_EQ(flag, dashes) << "no --user expected";
      EXPECT_EQ(added.find("\nUSER root"), std::string::npos);
    }
  }

  // The last two instructions are the new ENTRYPOINT (exec form) and `CMD []`.
  const auto& ins = again.dockerfile->instructions;
  ASSERT_GE(ins.size(), 2u);
  EXPECT_EQ(ins[ins.size() - 2].keyword, "entrypoint");
  EXPECT_TRUE(ins[ins.size() - 2].json);
  EXPECT_EQ(ins.back().keyword, "cmd");
  EXPECT_TRUE(ins.back().json);
  EXPECT_TRUE(ins.back().json_args.empty());

  // Original lines: the expected ones commented out, all others unchanged and in order.
  std::set<int> commented;
  if (expect.count("commented")) {
    std::istringstream numbers(expect.at("commented"));
    for (int n = 0; numbers >> n;) commented.insert(n);
  }
  const auto before = lines_of(text);
  const auto after = lines_of(rewritten.dockerfile);
  std::size_t j = 0;
  for (std::size_t i = 0; i < before.size(); ++i) {
    const int line = static_cast<int>(i) + 1;
    // Skip the explanation line put above a commented-out instruction.
    while (j < after.size() && after[j].rfind("# [defender embed]", 0) == 0) ++j;
    ASSERT_LT(j, after.size());
    if (commented.count(line)) {
      EXPECT_EQ(after[j], "# " + before[i]) << "line " << line;
    } else {
      EXPECT_EQ(after[j], before[i]) << "line " << line;
    }
    ++j;
  }
  // Everything after the original is the added block: comments and our instructions only.
  for (; j < after.size(); ++j) {
    const std::string& line = after[j];
    const bool ours = line.empty() || line[0] == '#' || line.rfind("COPY ", 0) == 0 ||
                      line.rfind("ENV ", 0) == 0 || line == "USER root" ||
                      line.rfind("ENTRYPOINT [", 0) == 0 || line == "CMD []";
    EXPECT_TRUE(ours) << line;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoodDockerfile, ::testing::ValuesIn(cases_in("cases")),
                         case_name);

class BadDockerfile : public ::testing::TestWithParam<std::string> {};

TEST_P(BadDockerfile, StopsWithLineAndReason) {
  const fs::path dir = fs::path(EMBED_TEST_DIR) / "bad";
  const std::string text = slurp(dir / (GetParam() + ".Dockerfile"));
  const auto expect = read_expect(dir / (GetParam() + ".expect"));
  std::optional<ParseError> error;
  ParseResult parsed = parse_dockerfile(text);
  if (!parsed.ok()) {
    error = parsed.error;
  } else {
    EmbedOptions options;
    options.app_id = "shop";
    options.base = base_from(expect);
    const RewriteResult rewritten = rewrite_dockerfile(*parsed.dockerfile, options);
    ASSERT_FALSE(rewritten.ok()) << "rewrote a bad Dockerfile:\n" << rewritten.dockerfile;
    EXPECT_TRUE(rewritten.dockerfile.empty());
    error = rewritten.error;
  }
  ASSERT_TRUE(error);
  EXPECT_EQ(error->line, std::stoi(expect.at("error_line"))) << error->to_string();
  EXPECT_NE(error->reason.find(expect.at("error")), std::string::npos) << error->to_string();
}

INSTANTIATE_TEST_SUITE_P(Cases, BadDockerfile, ::testing::ValuesIn(cases_in("bad")),
                         case_name);

TEST(DockerfileCases, TableIsLargeEnough) {
  EXPECT_GE(cases_in("cases").size(), 30u);
  EXPECT_GE(cases_in("bad").size(), 15u);
}

}  // namespace
}  // namespace defender::embed

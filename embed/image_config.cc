#include "embed/image_config.h"

#include <nlohmann/json.hpp>

#include "embed/text_util.h"

namespace defender::embed {
namespace {

std::optional<ParseError> no_flags(const Instruction& ins) {
  if (ins.flags.empty()) return std::nullopt;
  return ParseError{ins.start_line, to_upper(ins.keyword) + " takes no flags (found '" +
                                        ins.flags.front() + "')"};
}

}  // namespace

std::string argv_to_json(const Argv& argv) {
  nlohmann::json array = nlohmann::json::array();
  for (const auto& arg : argv) array.push_back(arg);
  // Callers validate UTF-8 first; should one slip through, U+FFFD instead of an exception
  // (the rewrite's self-check then refuses the result, since it no longer round-trips).
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ConfigResult evaluate_stage(const Dockerfile& file, std::size_t stage_index) {
  ConfigResult result;
  auto fail = [&result](ParseError error) {
    result.error = std::move(error);
    return result;
  };
  // The chain from the root stage (built on an image) up to `stage_index`.
  std::vector<std::size_t> chain;
  for (int s = static_cast<int>(stage_index); s >= 0; s = file.stages[static_cast<std::size_t>(s)].parent) {
    chain.insert(chain.begin(), static_cast<std::size_t>(s));
    if (chain.size() > file.stages.size()) return fail({0, "stage chain loops"});
  }
  ImageConfig config;
  std::optional<Argv> shell;  // nullopt: the base's, unknown
  const Stage& root = file.stages[chain.front()];
  config.external_base = root.base;
  if (to_lower(root.base) == "scratch") {
    config.entrypoint = Argv{};
    config.cmd = Argv{};
    config.user = "";
    shell = kDefaultShell;
  }
  auto with_shell = [&](const std::string& text) {
    if (!shell) config.default_shell_assumed = true;
    Argv argv = shell ? *shell : kDefaultShell;
    argv.push_back(text);
    return argv;
  };

  for (std::size_t position = 0; position < chain.size(); ++position) {
    const std::size_t s = chain[position];
    const Stage& stage = file.stages[s];
    const bool final_stage = s == stage_index;
    bool cmd_set = false;
    for (std::size_t i = stage.from + 1; i < stage.end; ++i) {
      const Instruction& ins = file.instructions[i];
      const std::string& k = ins.keyword;
      if (k == "shell") {
        if (auto error = no_flags(ins)) return fail(*error);
        if (!ins.json) return fail({ins.start_line, "SHELL requires the arguments to be in JSON form"});
        if (ins.json_args.empty()) return fail({ins.start_line, "SHELL requires at least one argument"});
        shell = ins.json_args;
      } else if (k == "entrypoint") {
        if (auto error = no_flags(ins)) return fail(*error);
        if (ins.json) {
          config.entrypoint = ins.json_args;
        } else if (ins.args.empty()) {
          return fail({ins.start_line, "ENTRYPOINT without arguments (write ENTRYPOINT [] to clear it)"});
        } else {
          config.entrypoint = with_shell(ins.args);
        }
        if (!cmd_set) config.cmd = Argv{};
        config.entrypoint_line = final_stage ? ins.start_line : 0;
        if (!cmd_set) config.cmd_line = 0;
      } else if (k == "cmd") {
        if (auto error = no_flags(ins)) return fail(*error);
        if (ins.json) {
          config.cmd = ins.json_args;
        } else if (ins.args.empty()) {
          return fail({ins.start_line, "CMD without arguments (write CMD [] to clear it)"});
        } else {
          config.cmd = with_shell(ins.args);
        }
        cmd_set = true;
        config.cmd_line = final_stage ? ins.start_line : 0;
      } else if (k == "user") {
        if (auto error = no_flags(ins)) return fail(*error);
        if (ins.args.empty()) return fail({ins.start_line, "USER requires exactly one argument"});
        if (ins.args.find('$') != std::string::npos) {
          return fail({ins.start_line, "USER '" + ins.args +
                                           "' uses a variable: its value is only known at build "
                                           "time; write the user literally"});
        }
        if (!valid_utf8(ins.args)) return fail({ins.start_line, "USER is not valid UTF-8"});
        config.user = ins.args;
        config.user_line = final_stage ? ins.start_line : 0;
      } else if (k == "onbuild" && !final_stage &&
                 (ins.onbuild_keyword == "entrypoint" || ins.onbuild_keyword == "cmd" ||
                  ins.onbuild_keyword == "shell" || ins.onbuild_keyword == "user")) {
        // Triggers run when a later stage builds on this one: not followed here.
        return fail({ins.start_line, "ONBUILD " + to_upper(ins.onbuild_keyword) +
                                         " in a stage the final stage builds on is not supported"});
      }
    }
  }
  result.config = std::move(config);
  return result;
}

ArgvResult effective_argv(const Dockerfile& file, const BaseConfig& base) {
  ArgvResult result;
  const std::size_t final_index = file.stages.size() - 1;
  ConfigResult evaluated = evaluate_stage(file, final_index);
  if (!evaluated.config) {
    result.error = std::move(evaluated.error);
    return result;
  }
  result.config = *evaluated.config;
  const ImageConfig& config = result.config;
  const int from_line = file.instructions[file.final_stage().from].start_line;
  const std::string& image = config.external_base;
  const std::string inspect = "podman image inspect --format '{{json .Config.";
  Argv argv;
  if (config.entrypoint) {
    argv = *config.entrypoint;
  } else if (base.entrypoint) {
    argv = *base.entrypoint;
  } else {
    result.error = ParseError{
        from_line,
        "the final stage sets no ENTRYPOINT, so the image runs the ENTRYPOINT of '" + image +
            "', which this Dockerfile does not show; pass it with --entrypoint JSON ('[]' when it "
            "has none; " + inspect + "Entrypoint}}' " + image + ")"};
    return result;
  }
  if (config.cmd) {
    argv.insert(argv.end(), config.cmd->begin(), config.cmd->end());
  } else if (base.cmd) {
    argv.insert(argv.end(), base.cmd->begin(), base.cmd->end());
  } else {
    result.error = ParseError{
        from_line,
        "the final stage sets no CMD, so the image runs the CMD of '" + image +
            "', which this Dockerfile does not show; pass it with --cmd JSON ('[]' when it has "
            "none; " + inspect + "Cmd}}' " + image + ")"};
    return result;
  }
  if (argv.empty()) {
    result.error = ParseError{from_line, "the image has no command: neither ENTRYPOINT nor CMD gives one"};
    return result;
  }
  for (const auto& arg : argv) {
    if (!valid_utf8(arg)) {
      result.error = ParseError{from_line, "the command is not valid UTF-8: it cannot be written as JSON"};
      return result;
    }
  }
  result.argv = std::move(argv);
  return result;
}

}  // namespace defender::embed

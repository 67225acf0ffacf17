// What the container runtime reads from an image built from a Dockerfile, as far as the
// Dockerfile tells: ENTRYPOINT, CMD, SHELL and USER of a stage, following its chain of
// in-file parent stages (`FROM builder`) down to an image (`FROM node:20`, `FROM scratch`).
//
// Docker's rules, as BuildKit's dispatcher applies them:
// - a shell form becomes [SHELL..., "<text>"] with the SHELL in force at that instruction
//   (default ["/bin/sh", "-c"]);
// - ENTRYPOINT clears CMD unless a CMD came earlier in the same stage;
// - what the runtime runs is ENTRYPOINT followed by CMD.
// What an external base image sets (its ENTRYPOINT, CMD, USER, SHELL) is not in the file: it
// is "unknown" here unless the caller says it (BaseConfig, from --entrypoint/--cmd flags).
#pragma once

#include <optional>
#include <string>

#include "embed/dockerfile_parser.h"

namespace defender::embed {

inline const Argv kDefaultShell = {"/bin/sh", "-c"};

// What the caller knows about the external image at the root of the chain.
struct BaseConfig {
  std::optional<Argv> entrypoint;
  std::optional<Argv> cmd;
  std::optional<std::string> user;
};

struct ImageConfig {
  std::optional<Argv> entrypoint;   // nullopt: comes from the external base, not known
  std::optional<Argv> cmd;
  std::optional<std::string> user;  // "" is root
  std::string external_base;        // the image the chain starts from ("scratch" included)
  bool default_shell_assumed = false;  // a shell form used ["/bin/sh","-c"] of an unknown base
  int entrypoint_line = 0;          // where ENTRYPOINT / CMD / USER were last set (0: not here)
  int cmd_line = 0;
  int user_line = 0;
};

struct ConfigResult {
  std::optional<ImageConfig> config;
  std::optional<ParseError> error;
};

// The config of stage `stage` (normally the final one).
ConfigResult evaluate_stage(const Dockerfile& file, std::size_t stage);

struct ArgvResult {
  std::optional<Argv> argv;  // ENTRYPOINT + CMD as the runtime runs them
  std::optional<ParseError> error;
  ImageConfig config;        // the final stage's, for messages
};

// The argv the runtime runs for the final stage, filling what the file does not show from
// `base`; an error saying which flag is needed when neither tells.
ArgvResult effective_argv(const Dockerfile& file, const BaseConfig& base = {});

// JSON text of an argv, as Docker's exec form writes it.
std::string argv_to_json(const Argv& argv);

}  // namespace defender::embed

// The meaning-preserving rewrite of a Dockerfile for RASP Defender.
//
// The output is the original text unchanged except the final stage's ENTRYPOINT and CMD
// instructions, commented out in place, plus a block appended at the end (the final stage)
// that copies the defender and its files into the data folder, sets the defender's
// environment and makes the entrypoint
//   [<data-folder>/defender, rasp, <flags>, --, <the argv the image ran before>]
// with `CMD []`. Every added line carries a comment saying what and why. The result is parsed
// again and its argv checked against the original before it is returned: a rewrite that
// would change what runs is an error, never an output. Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "embed/dockerfile_parser.h"
#include "embed/image_config.h"

namespace defender::embed {

struct EmbedOptions {
  std::string app_id;                 // RASP_DEFENDER_ID; [A-Za-z0-9][A-Za-z0-9._:-]*
  std::string data_folder = "/rasp/";  // absolute; a trailing '/' is added
  std::string console;                // WS_ADDRESS when not empty (wss://HOST:PORT)
  std::string install_bundle;         // INSTALL_BUNDLE when not empty (base64: the console's
                                      // CA and token, from GET /api/v1/defenders/install-bundle)
  BaseConfig base;                    // what the base image sets, when the file does not say
  // Files copied into the data folder, as paths relative to the build context (and to the
  // data folder): the defender binary and the policy first, then files the policy refers to.
  std::vector<std::string> data_files = {"defender", "policy.yaml"};
};

struct RewriteResult {
  std::string dockerfile;          // the augmented Dockerfile
  Argv original_argv;              // what the image ran
  Argv entrypoint;                 // the new ENTRYPOINT
  std::optional<std::string> app_user;  // --user given to the defender
  std::vector<std::string> notes;  // assumptions the user should know about
  std::optional<ParseError> error;
  bool ok() const { return !error.has_value(); }
};

// Checks the options (app id, data folder, console, install bundle) and returns the first problem, if any.
std::optional<std::string> validate_options(const EmbedOptions& options);

RewriteResult rewrite_dockerfile(const Dockerfile& file, const EmbedOptions& options);

// The argv after "--" in a defender entrypoint, or nullopt when `entrypoint` is not one.
std::optional<Argv> argv_behind_defender(const Argv& entrypoint);

}  // namespace defender::embed

#include "embed/rewrite.h"

#include <algorithm>

#include "embed/text_util.h"

namespace defender::embed {
namespace {

bool app_id_char(char c) {
  return ascii_alpha(c) || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
}

bool path_char(char c) {
  return ascii_alpha(c) || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/';
}

bool url_char(char c) {
  return ascii_alpha(c) || (c >= '0' && c <= '9') || std::string_view("._~:/[]-@").find(c) != std::string_view::npos;
}

bool base64_char(char c) {
  return ascii_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

// A bundle holds a CA certificate or a chain and a token: a few KiB.
constexpr std::size_t kMaxInstallBundleBytes = 64 * 1024;

std::string normalized_folder(std::string folder) {
  if (folder.empty() || folder.back() != '/') folder.push_back('/');
  return folder;
}

bool is_root_user(const std::string& user) {
  return user.empty() || user == "root" || user == "0" || user == "root:root" || user == "0:0";
}

}  // namespace

std::optional<std::string> validate_options(const EmbedOptions& options) {
  const std::string& id = options.app_id;
  if (id.empty()) return "--app-id is required";
  if (id.size() > 128 || (!ascii_alpha(id[0]) && !(id[0] >= '0' && id[0] <= '9')) ||
      !std::all_of(id.begin(), id.end(), app_id_char)) {
    return "--app-id '" + id + "': use letters, digits, '.', '_', ':' and '-' (at most 128)";
  }
  const std::string& folder = options.data_folder;
  if (folder.empty() || folder[0] != '/' || folder.size() > 256 ||
      !std::all_of(folder.begin(), folder.end(), path_char) ||
      folder.find("/../") != std::string::npos || folder.find("/./") != std::string::npos ||
      normalized_folder(folder) == "/") {
    return "--data-folder '" + folder +
           "': an absolute folder other than '/' made of letters, digits, '.', '_', '-' and '/'";
  }
  const std::string& console = options.console;
  if (!console.empty() &&
      ((console.rfind("wss://", 0) != 0 && console.rfind("ws://", 0) != 0) || console.size() > 512 ||
       !std::all_of(console.begin(), console.end(), url_char))) {
    return "--console '" + console + "': expected wss://HOST:PORT";
  }
  const std::string& bundle = options.install_bundle;
  if (!bundle.empty() && (bundle.size() > kMaxInstallBundleBytes || !std::all_of(bundle.begin(), bundle.end(), base64_char))) {
    return "--install-bundle: expected the base64 text that GET /api/v1/defenders/install-bundle returns (at most " +
           std::to_string(kMaxInstallBundleBytes / 1024) + " KiB)";
  }
  for (const auto& file : options.data_files) {
    if (file.empty() || file[0] == '/' || file.find("..") != std::string::npos ||
        !std::all_of(file.begin(), file.end(), path_char)) {
      return "data file '" + file + "': a relative path of letters, digits, '.', '_', '-' and '/'";
    }
  }
  return std::nullopt;
}

std::optional<Argv> argv_behind_defender(const Argv& entrypoint) {
  const auto dashes = std::find(entrypoint.begin(), entrypoint.end(), "--");
  if (entrypoint.size() < 2 || entrypoint[1] != "rasp" || dashes == entrypoint.end()) {
    return std::nullopt;
  }
  return Argv(dashes + 1, entrypoint.end());
}

RewriteResult rewrite_dockerfile(const Dockerfile& file, const EmbedOptions& options) {
  RewriteResult result;
  auto fail = [&result](int line, std::string reason) {
    result.error = ParseError{line, std::move(reason)};
    return result;
  };
  if (auto problem = validate_options(options)) return fail(0, *problem);
  if (file.ends_in_continuation) {
    return fail(file.line_count(),
                "the file ends inside a line continuation: lines added after it would join it");
  }
  ArgvResult original = effective_argv(file, options.base);
  if (!original.argv) {
    result.error = std::move(original.error);
    return result;
  }
  const ImageConfig& config = original.config;
  result.original_argv = *original.argv;

  const std::string folder = normalized_folder(options.data_folder);
  std::optional<std::string> user = config.user;
  int user_line = config.user_line;
  if (!user && options.base.user) {
    user = options.base.user;
    user_line = 0;
  }
  if (user && !valid_utf8(*user)) return fail(user_line, "USER is not valid UTF-8");
  Argv entrypoint = {folder + "defender", "rasp"};
  if (user && !is_root_user(*user)) {
    entrypoint.push_back("--user");
    entrypoint.push_back(*user);
    result.app_user = *user;
  }
  entrypoint.push_back("--");
  entrypoint.insert(entrypoint.end(), result.original_argv.begin(), result.original_argv.end());
  result.entrypoint = entrypoint;

  // Line ending of the file, so the added block looks like the rest.
  const std::string& src = file.source;
  const std::size_t first_nl = src.find('\n');
  const std::string eol = (first_nl != std::string::npos && first_nl > 0 && src[first_nl - 1] == '\r')
                              ? "\r\n" : "\n";

  // Physical lines of the final stage's ENTRYPOINT and CMD instructions.
  const Stage& final_stage = file.final_stage();
  std::vector<std::pair<int, int>> commented;
  for (std::size_t i = final_stage.from + 1; i < final_stage.end; ++i) {
    const Instruction& ins = file.instructions[i];
    if (ins.keyword == "entrypoint" || ins.keyword == "cmd") commented.emplace_back(ins.start_line, ins.end_line);
  }
  std::string out;
  out.reserve(src.size() + 2048);
  std::size_t next = 0;
  for (int line = 1; line <= file.line_count(); ++line) {
    const auto in = std::find_if(commented.begin(), commented.end(), [line](const auto& range) {
      return line >= range.first && line <= range.second;
    });
    if (in != commented.end() && line == in->first) {
      out += "# [defender embed] commented out: this now runs behind the defender (end of file)" + eol;
    }
    if (in != commented.end()) out += "# ";
    const std::size_t begin = file.line_offsets[static_cast<std::size_t>(line - 1)];
    const std::size_t end = file.line_offsets[static_cast<std::size_t>(line)];
    out.append(src, begin, end - begin);
    next = end;
  }
  out.append(src, next, std::string::npos);
  if (!out.empty() && out.back() != '\n') out += eol;

  auto add = [&out, &eol](const std::string& line) { out += line + eol; };
  add("");
  add("# ---- added by `defender embed` (RASP Defender) ----");
  add("# The defender now starts the app and watches its execs, DNS names and HTTP requests");
  add("# under policy.yaml. Above this block the file is the original, except the final");
  add("# stage's ENTRYPOINT/CMD, commented out where they were.");
  add("# The defender (a static binary: it needs no library in the image) and its files:");
  for (const auto& data_file : options.data_files) add("COPY " + data_file + " " + folder + data_file);
  add("# Read by the defender at start: its type, the app id on every event, its data folder" +
      std::string(options.console.empty() && options.install_bundle.empty() ? "." : ", the console."));
  std::string env = "ENV DEFENDER_TYPE=rasp RASP_DEFENDER_ID=" + options.app_id + " DATA_FOLDER=" + folder;
  if (!options.console.empty()) env += " WS_ADDRESS=" + options.console;
  if (!options.install_bundle.empty()) env += " INSTALL_BUNDLE=" + options.install_bundle;
  add(env);
  if (result.app_user) {
    add("# The stage ran as USER " + *result.app_user +
        (user_line > 0 ? " (line " + std::to_string(user_line) + ")" : " (the base image's)") +
        ": the defender starts as root for its");
    add("# setup (DNS on port 53, /etc/resolv.conf) and runs the app as " + *result.app_user + " (--user).");
    add("USER root");
  } else if (!user) {
    add("# The base image's USER is not in this file: the defender runs as that user (root");
    add("# for most images). Pass --base-user to embed if the base image sets another one.");
    result.notes.push_back("the USER of '" + config.external_base +
                           "' is unknown: the defender runs as it (pass --base-user USER if it is not root)");
  }
  add("# The command the image ran before (ENTRYPOINT + CMD, shell forms expanded):");
  add("#   " + argv_to_json(result.original_argv));
  if (config.default_shell_assumed) {
    add("#   (shell form: the SHELL of '" + config.external_base + "' taken as Docker's default [\"/bin/sh\",\"-c\"])");
    result.notes.push_back("a shell form was expanded with Docker's default shell /bin/sh -c; '" +
                           config.external_base + "' could set another SHELL");
  }
  add("# It now runs behind the defender, after \"--\".");
  add("ENTRYPOINT " + argv_to_json(entrypoint));
  add("# Empty: the original CMD is already part of the ENTRYPOINT above.");
  add("CMD []");

  // Self-check: the rewritten file must parse and run exactly the new entrypoint.
  ParseResult reparsed = parse_dockerfile(out, ParseLimits{out.size() + 1, 20000, 65535});
  if (!reparsed.ok()) {
    return fail(0, "internal check failed: the rewritten Dockerfile does not parse (" +
                       reparsed.error->to_string() + ")");
  }
  ArgvResult rewritten = effective_argv(*reparsed.dockerfile, options.base);
  if (!rewritten.argv || *rewritten.argv != entrypoint) {
    return fail(0, "internal check failed: the rewritten Dockerfile would not run the defender "
                   "with the original command");
  }
  result.dockerfile = std::move(out);
  return result;
}

}  // namespace defender::embed

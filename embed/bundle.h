// The embed bundle: the augmented Dockerfile, the static defender and the policy (plus the
// files the policy refers to), checked and put together, then written as a ZIP or a folder.
// Used by `defender embed` and by the console's embed endpoint. Blocking file I/O; one call,
// one thread; errors are values (BundleError), never exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "embed/rewrite.h"

namespace defender::embed {

struct BundleFile {
  std::string name;  // path inside the bundle ("Dockerfile", "defender", "lists/a.txt")
  std::string data;
  std::uint32_t mode = 0644;
};

struct BundleError {
  int status = 1;                     // 1 runtime, 2 usage or bad policy
  std::vector<std::string> messages;  // one line each (policy errors as FILE:LINE:COL: ...)
};

struct BundleLimits {
  std::size_t max_dockerfile_bytes = std::size_t{1} << 20;
  std::size_t max_file_bytes = std::size_t{256} << 20;  // binary, policy and its files
};

struct BundleRequest {
  std::string dockerfile_text;   // the original Dockerfile (never written back)
  std::string dockerfile_name = "Dockerfile";  // for messages
  std::string policy_path;       // validated with the policy loader; required
  std::string defender_binary;   // a static defender; "" leaves it out (review only)
  EmbedOptions options;          // data_files is filled here from the policy
  BundleLimits limits;
};

struct Bundle {
  std::vector<BundleFile> files;  // Dockerfile, defender, policy.yaml, then policy files
  RewriteResult rewrite;
};

struct BundleResult {
  std::optional<Bundle> bundle;
  BundleError error;
};

// Validates the policy, rewrites the Dockerfile and reads the binary.
BundleResult make_bundle(const BundleRequest& request);

// Writes the bundle atomically (temporary file, then rename). Returns an error message.
std::optional<std::string> write_bundle_zip(const Bundle& bundle, const std::string& path);
std::string bundle_zip_bytes(const Bundle& bundle);
// Writes each file under `dir` (created when missing); refuses to overwrite `protect`.
std::optional<std::string> write_bundle_dir(const Bundle& bundle, const std::string& dir,
                                            const std::string& protect = "");

// True when the ELF file has no PT_INTERP (runs without a dynamic loader); nullopt when the
// file is not a readable 64-bit ELF.
std::optional<bool> is_static_elf(const std::string& path);

// The defender to put in the bundle: `explicit_path` when given (it must be static), else a
// static build beside `self_exe` (build-static/app/defender of `make static`), else
// `self_exe` itself when static. Error message when none fits.
struct BinaryChoice {
  std::string path;
  std::string error;
};
BinaryChoice choose_defender_binary(const std::string& explicit_path, const std::string& self_exe);

// The default policy shipped with the project (conf/default.yaml) looked up from the binary's
// place; "" when not found. `searched` receives the places looked at.
std::string find_default_policy(const std::string& self_exe, std::vector<std::string>& searched);

}  // namespace defender::embed

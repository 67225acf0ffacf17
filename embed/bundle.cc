#include "embed/bundle.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "embed/zip_writer.h"
#include "policy/loader.h"

namespace defender::embed {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_limited(const std::string& path, std::size_t max, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot read (" + std::strerror(errno) + ")";
    return std::nullopt;
  }
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || size > max) {
    error = path + (ec ? ": cannot read its size" : ": larger than " + std::to_string(max) + " bytes");
    return std::nullopt;
  }
  std::string data(static_cast<std::size_t>(size), '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    error = path + ": short read";
    return std::nullopt;
  }
  return data;
}

// Where a path from the policy points, relative to the policy's folder ("" when outside it).
std::string relative_inside(const std::string& written, const std::string& base_dir) {
  fs::path p(written);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  const fs::path rel = p.lexically_normal().lexically_relative(fs::path(base_dir).lexically_normal());
  const std::string text = rel.generic_string();
  if (text.empty() || text == "." || text.rfind("..", 0) == 0) return "";
  return text;
}

std::optional<std::string> write_file_atomic(const std::string& path, const std::string& data,
                                             std::uint32_t mode) {
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return tmp + ": " + std::strerror(errno);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string message = tmp + ": write: " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return message;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, mode) != 0 || ::close(fd) != 0) {
    const std::string message = tmp + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return message;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string message = path + ": rename: " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return message;
  }
  return std::nullopt;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return !a.empty() && !b.empty() && fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

}  // namespace

std::optional<bool> is_static_elf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header)) return std::nullopt;
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum > 4096) {
    return std::nullopt;
  }
  for (std::uint16_t i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr phdr{};
    in.seekg(static_cast<std::streamoff>(header.e_phoff + i * sizeof(Elf64_Phdr)));
    if (!in.read(reinterpret_cast<char*>(&phdr), sizeof phdr)) return std::nullopt;
    if (phdr.p_type == PT_INTERP) return false;
  }
  return true;
}

BinaryChoice choose_defender_binary(const std::string& explicit_path, const std::string& self_exe) {
  BinaryChoice choice;
  if (!explicit_path.empty()) {
    const auto is_static = is_static_elf(explicit_path);
    if (!is_static) {
      choice.error = explicit_path + ": not a readable 64-bit ELF program";
    } else if (!*is_static) {
      choice.error = explicit_path +
                     ": dynamically linked, it would not start in an image without its libraries; "
                     "build a static one with `make static` (build-static/app/defender)";
    } else {
      choice.path = explicit_path;
    }
    return choice;
  }
  std::vector<std::string> candidates;
  if (!self_exe.empty()) {
    const fs::path dir = fs::path(self_exe).parent_path();
    candidates.push_back((dir / "defender-static").string());
    // build-X/app/defender beside build-static/app/defender (Makefile: `make static`).
    candidates.push_back((dir.parent_path().parent_path() / "build-static" / "app" / "defender").string());
    candidates.push_back(self_exe);
  }
  for (const auto& candidate : candidates) {
    const auto is_static = is_static_elf(candidate);
    if (is_static && *is_static) {
      choice.path = candidate;
      return choice;
    }
  }
  choice.error = "no static defender found (this one is dynamically linked): run `make static` "
                 "and pass --defender-binary build-static/app/defender";
  return choice;
}

std::string find_default_policy(const std::string& self_exe, std::vector<std::string>& searched) {
  if (self_exe.empty()) return "";
  const fs::path dir = fs::path(self_exe).parent_path();
  for (const fs::path& candidate :
       {dir / ".." / "conf" / "default.yaml", dir / ".." / ".." / "conf" / "default.yaml",
        dir / ".." / "share" / "defender" / "default.yaml"}) {
    const std::string path = candidate.lexically_normal().string();
    searched.push_back(path);
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return path;
  }
  return "";
}

BundleResult make_bundle(const BundleRequest& request) {
  BundleResult result;
  auto fail = [&result](int status, std::string message) {
    result.error.status = status;
    result.error.messages.push_back(std::move(message));
    return result;
  };
  Bundle bundle;
  EmbedOptions options = request.options;
  options.data_files = {"defender", "policy.yaml"};

  // 1. The policy: validated first; a bad one stops everything.
  const policy::LoadResult loaded = policy::load_policy_file(request.policy_path);
  if (!loaded.ok()) {
    result.error.status = 2;
    for (const auto& error : loaded.errors) result.error.messages.push_back(error.to_string());
    if (result.error.messages.empty()) result.error.messages.push_back(request.policy_path + ": invalid policy");
    return result;
  }
  std::string error;
  auto policy_text = read_limited(request.policy_path, request.limits.max_file_bytes, error);
  if (!policy_text) return fail(1, error);
  std::vector<BundleFile> policy_files;
  const policy::Policy& policy = *loaded.policy;
  std::vector<std::string> referenced = policy.network.lists;
  referenced.insert(referenced.end(), policy.network.allow_lists.begin(), policy.network.allow_lists.end());
  if (!policy.cnaf.tls.cert.empty()) referenced.push_back(policy.cnaf.tls.cert);
  if (!policy.cnaf.tls.key.empty()) referenced.push_back(policy.cnaf.tls.key);
  for (const auto& written : referenced) {
    const std::string rel = relative_inside(written, policy.base_dir);
    if (rel.empty() || rel == "policy.yaml" || rel == "defender" || rel == "Dockerfile") {
      return fail(2, request.policy_path + ": refers to '" + written +
                         "', outside the policy's folder: the bundle carries only files beside "
                         "policy.yaml (use a path relative to it)");
    }
    fs::path source(written);
    if (source.is_relative()) source = fs::path(policy.base_dir) / source;
    auto data = read_limited(source.string(), request.limits.max_file_bytes, error);
    if (!data) return fail(1, error);
    policy_files.push_back({rel, std::move(*data), 0644});
    options.data_files.push_back(rel);
  }

  // 2. The Dockerfile.
  ParseResult parsed = parse_dockerfile(request.dockerfile_text,
                                        ParseLimits{request.limits.max_dockerfile_bytes, 10000, 65535});
  if (!parsed.ok()) {
    const ParseError& e = *parsed.error;
    return fail(1, request.dockerfile_name + ":" + (e.line > 0 ? std::to_string(e.line) + ": " : " ") + e.reason);
  }
  bundle.rewrite = rewrite_dockerfile(*parsed.dockerfile, options);
  if (!bundle.rewrite.ok()) {
    const ParseError& e = *bundle.rewrite.error;
    // Missing --entrypoint/--cmd or a bad option is a usage error; the rest is the file's.
    const bool usage = e.reason.find("pass it with --") != std::string::npos || e.line == 0;
    const int status = usage ? 2 : 1;
    return fail(status, request.dockerfile_name + ":" + (e.line > 0 ? std::to_string(e.line) + ": " : " ") + e.reason);
  }

  // 3. The binary (none in review mode).
  std::optional<std::string> binary;
  if (!request.defender_binary.empty()) {
    const auto is_static = is_static_elf(request.defender_binary);
    if (!is_static || !*is_static) {
      return fail(1, request.defender_binary + ": not a static 64-bit ELF program (run `make static`)");
    }
    binary = read_limited(request.defender_binary, request.limits.max_file_bytes, error);
    if (!binary) return fail(1, error);
  }

  bundle.files.push_back({"Dockerfile", bundle.rewrite.dockerfile, 0644});
  if (binary) bundle.files.push_back({"defender", std::move(*binary), 0755});
  bundle.files.push_back({"policy.yaml", std::move(*policy_text), 0644});
  for (auto& file : policy_files) bundle.files.push_back(std::move(file));
  result.bundle = std::move(bundle);
  return result;
}

std::string bundle_zip_bytes(const Bundle& bundle) {
  ZipWriter zip;
  for (const auto& file : bundle.files) zip.add(file.name, file.data, file.mode);
  return zip.finish();
}

std::optional<std::string> write_bundle_zip(const Bundle& bundle, const std::string& path) {
  std::string bytes;
  try {
    bytes = bundle_zip_bytes(bundle);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  return write_file_atomic(path, bytes, 0644);
}

std::optional<std::string> write_bundle_dir(const Bundle& bundle, const std::string& dir,
                                            const std::string& protect) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return dir + ": " + ec.message();
  for (const auto& file : bundle.files) {
    const fs::path target = fs::path(dir) / file.name;
    if (same_file(target.string(), protect)) {
      return target.string() + " is the original Dockerfile: choose another --output-dir";
    }
    fs::create_directories(target.parent_path(), ec);
    if (ec) return target.parent_path().string() + ": " + ec.message();
    if (auto error = write_file_atomic(target.string(), file.data, file.mode)) return error;
  }
  return std::nullopt;
}

}  // namespace defender::embed

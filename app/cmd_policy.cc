// `defender policy check FILE` and `defender policy explain FILE --domain|--exec|--request`.
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/command.h"
#include "app/request_explainer.h"
#include "policy/loader.h"

namespace defender::app {
namespace {

struct PolicyArgs {
  std::string file;
  std::string domain;
  std::vector<std::string> exec;
  std::string request;
  bool json = false;
};

// Loads `file`, printing every error; null on failure.
std::shared_ptr<const policy::Policy> load_or_print(const std::string& file) {
  policy::LoadResult result = policy::load_policy_file(file);
  if (!result.ok()) {
    print_policy_errors(file, result.errors);
    return nullptr;
  }
  return std::move(result.policy);
}

int run_check(const PolicyArgs& args) {
  const auto loaded = load_or_print(args.file);
  if (!loaded) return kExitUsage;
  std::cout << args.file << ": ok (" << loaded->processes.deny.size() + loaded->processes.allow.size()
            << " process rules, " << loaded->network.matcher->rule_count() << " domain rules, mode "
            << policy::to_string(loaded->mode) << ")\n";
  return kExitOk;
}

// The executable as the supervisor would see it: PATH lookup for a bare name, then the
// canonical path when the file exists here (symlinks resolved), else the lexical normal form.
std::string canonical_exec_path(const std::string& given) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path path = given;
  if (given.find('/') == std::string::npos) {
    const char* env_path = std::getenv("PATH");
    std::string dirs = env_path != nullptr ? env_path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
      const std::size_t end = std::min(dirs.find(':', start), dirs.size());
      const fs::path candidate = fs::path(dirs.substr(start, end - start)) / given;
      if (fs::is_regular_file(candidate, ec)) {
        path = candidate;
        break;
      }
      start = end + 1;
    }
  }
  const fs::path canonical = fs::canonical(path, ec);
  if (!ec) return canonical.string();
  return fs::absolute(path, ec).lexically_normal().string();
}

int print_decision(const policy::Decision& decision, bool json) {
  if (json) {
    const nlohmann::ordered_json out = {
        {"decision", decision.deny ? "deny" : "allow"},
        {"action", decision.deny ? std::string(policy::to_string(decision.action)) : "-"},
        {"rule", decision.rule},
        {"reason", decision.reason}};
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << decision.summary() << "\n";
  }
  return kExitOk;
}

int run_explain(const PolicyArgs& args) {
  const auto loaded = load_or_print(args.file);
  if (!loaded) return kExitUsage;
  if (!args.domain.empty()) return print_decision(loaded->network.decide(args.domain), args.json);
  if (!args.exec.empty()) {
    return print_decision(loaded->processes.decide(canonical_exec_path(args.exec.front())), args.json);
  }
  std::string error;
  const auto decision = explain_request(*loaded, args.request, &error);
  if (!decision) {
    std::cerr << "defender policy explain: --request: " << error << "\n";
    return kExitUsage;
  }
  return print_decision(*decision, args.json);
}

}  // namespace

void add_policy_command(CLI::App& root, Runner& run) {
  auto args = std::make_shared<PolicyArgs>();
  auto* policy = root.add_subcommand("policy", "check a policy file, or explain its decisions");
  policy->require_subcommand(1, 1);

  auto* check = policy->add_subcommand("check", "validate a policy; print every error as FILE:LINE:COL: message");
  check->add_option("file", args->file, "the policy file (YAML or JSON)")->required();
  check->callback([&run, args] { run = [args] { return run_check(*args); }; });

  auto* explain = policy->add_subcommand(
      "explain", "say what the policy decides and which rule decides it:\n"
                 "one line DECISION ACTION RULE, or a JSON object with --json");
  explain->add_option("file", args->file, "the policy file (YAML or JSON)")->required();
  auto* domain = explain->add_option("--domain", args->domain, "a name the app resolves");
  auto* exec = explain->add_option("--exec", args->exec, "an executable the app runs (PATH [ARGS...])")
                   ->expected(1, -1);
  auto* request = explain->add_option("--request", args->request,
                                      "an HTTP request to CNAF: 'METHOD TARGET' (e.g. 'GET /?id=1')");
  domain->excludes(exec)->excludes(request);
  exec->excludes(request);
  explain->add_flag("--json", args->json, "print one JSON object");
  // `--exec nc -l 4444`: the executable's own arguments may look like options; keep them.
  explain->allow_extras();
  explain->callback([&run, args, explain] {
    if (args->domain.empty() && args->exec.empty() && args->request.empty()) {
      throw CLI::RequiredError("one of --domain, --exec or --request");
    }
    if (!explain->remaining().empty() && args->exec.empty()) {
      throw CLI::ExtrasError({explain->remaining()});
    }
    run = [args] { return run_explain(*args); };
  });
}

}  // namespace defender::app

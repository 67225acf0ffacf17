#include "app/rasp_reload.h"

#include <filesystem>
#include <system_error>
#include <utility>

namespace defender::app {
namespace {

core::Event system_event(std::string message) {
  core::Event event;
  event.type = "system";
  event.action = "info";
  event.message = std::move(message);
  return event;
}

}  // namespace

std::string sealed_changes(const policy::Policy& before, const policy::Policy& after) {
  std::string changed;
  const auto note = [&changed](bool differs, const char* name) {
    if (differs) changed += std::string(changed.empty() ? "" : ", ") + name;
  };
  note(before.dns.listen != after.dns.listen, "dns.listen");
  note(before.dns.upstreams != after.dns.upstreams, "dns.upstreams");
  note(before.cnaf.listen != after.cnaf.listen, "cnaf.listen");
  note(before.cnaf.upstream != after.cnaf.upstream, "cnaf.upstream");
  note(before.cnaf.tls.cert != after.cnaf.tls.cert || before.cnaf.tls.key != after.cnaf.tls.key, "cnaf.tls");
  note(before.events.file != after.events.file, "events.file");
  note(before.metrics.listen != after.metrics.listen, "metrics.listen");
  note(before.supervisor.user != after.supervisor.user, "supervisor.user");
  return changed;
}

PolicyReloader::PolicyReloader(std::shared_ptr<const policy::Policy> current, Source source,
                               supervisor::Controls& controls, supervisor::ExecControls& exec,
                               core::EventSink& events, const core::Logger& log)
    : source_(std::move(source)), controls_(controls), exec_(exec), events_(events), log_(log),
      current_(std::move(current)) {}

std::shared_ptr<const policy::Policy> PolicyReloader::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

bool PolicyReloader::reload_file(std::string* error) {
  const std::string& path = source_.policy_path;
  std::error_code ec;
  policy::LoadResult result;
  if (!source_.policy_explicit && !std::filesystem::exists(path, ec)) {
    result.policy = policy::builtin_policy();
    return apply(std::move(result), "the built-in policy (no file at " + path + ")", error);
  }
  return apply(policy::load_policy_file(path), path, error);
}

bool PolicyReloader::apply_text(const std::string& text, const std::string& origin, std::string* error) {
  std::string base_dir = std::filesystem::path(source_.policy_path).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  return apply(policy::load_policy_text(text, origin, base_dir), origin, error);
}

bool PolicyReloader::apply(policy::LoadResult result, const std::string& origin, std::string* error) {
  std::lock_guard lock(mutex_);
  if (!result.ok()) {
    std::string problems;
    for (const auto& diagnostic : result.errors) {
      problems += (problems.empty() ? "" : "\n") + diagnostic.to_string();
    }
    log_.error("rasp", "policy from " + origin + " refused, the previous policy keeps serving:\n" + problems);
    core::Event event = system_event("policy reload refused (previous policy kept): " + origin);
    event.set("errors", problems);
    events_.emit(std::move(event));
    if (error != nullptr) *error = problems;
    return false;
  }
  const std::shared_ptr<const policy::Policy> fresh = std::move(result.policy);
  controls_.reload(fresh);
  std::string sealed = exec_.reload(fresh);
  if (const std::string changed = sealed_changes(*current_, *fresh); !changed.empty()) {
    sealed += std::string(sealed.empty() ? "" : "; ") + changed + ": take effect at the next start";
  }
  current_ = fresh;
  log_.info("rasp", "policy reloaded from " + origin + (sealed.empty() ? "" : " (" + sealed + ")"));
  core::Event event = system_event("policy reloaded from " + origin);
  if (!sealed.empty()) event.set("sealed", sealed);
  events_.emit(std::move(event));
  return true;
}

}  // namespace defender::app

#include "supervisor/user_spec.h"

#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <limits>

namespace defender::supervisor {
namespace {

std::optional<std::uint32_t> parse_id(std::string_view text) {
  std::uint32_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  if (value == std::numeric_limits<std::uint32_t>::max()) return std::nullopt;  // (uid_t)-1
  return value;
}

// getpwnam_r/getpwuid_r with a buffer that grows (bounded) on ERANGE.
bool lookup_user(std::string_view user, passwd& entry, std::vector<char>& buffer) {
  const auto id = parse_id(user);
  const std::string name(user);
  for (std::size_t size = 1024; size <= (std::size_t{1} << 20); size *= 4) {
    buffer.resize(size);
    passwd* result = nullptr;
    const int rc = id ? getpwuid_r(*id, &entry, buffer.data(), buffer.size(), &result)
                      : getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &result);
    if (rc == ERANGE) continue;
    return rc == 0 && result != nullptr;
  }
  return false;
}

std::optional<gid_t> lookup_group(std::string_view group) {
  if (const auto id = parse_id(group)) return static_cast<gid_t>(*id);
  const std::string name(group);
  std::vector<char> buffer;
  for (std::size_t size = 1024; size <= (std::size_t{1} << 20); size *= 4) {
    buffer.resize(size);
    struct group entry {};
    struct group* result = nullptr;
    const int rc = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &result);
    if (rc == ERANGE) continue;
    if (rc != 0 || result == nullptr) return std::nullopt;
    return entry.gr_gid;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Credentials> resolve_user(std::string_view spec, std::string* error) {
  const auto colon = spec.find(':');
  const std::string_view user = spec.substr(0, colon);
  const std::string_view group = colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  if (user.empty() || (colon != std::string_view::npos && group.empty())) {
    if (error) *error = "'" + std::string(spec) + "' is not USER[:GROUP]";
    return std::nullopt;
  }
  Credentials creds;
  passwd entry{};
  std::vector<char> buffer;
  if (lookup_user(user, entry, buffer)) {
    creds.uid = entry.pw_uid;
    creds.gid = entry.pw_gid;
    creds.name = entry.pw_name;
    creds.home = entry.pw_dir != nullptr ? entry.pw_dir : "";
    // Supplementary groups of the user, as login(1) would set them (bounded).
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (getgrouplist(entry.pw_name, entry.pw_gid, groups.data(), &count) < 0 && count > 0 &&
        count <= 65536) {
      groups.resize(static_cast<std::size_t>(count));
      if (getgrouplist(entry.pw_name, entry.pw_gid, groups.data(), &count) < 0) count = 0;
    }
    groups.resize(static_cast<std::size_t>(count < 0 ? 0 : count));
    creds.groups = std::move(groups);
  } else if (const auto id = parse_id(user)) {
    // A numeric uid without a passwd entry (common in images): its group is the same number.
    creds.uid = *id;
    creds.gid = *id;
  } else {
    if (error) *error = "unknown user '" + std::string(user) + "'";
    return std::nullopt;
  }
  if (!group.empty()) {
    const auto gid = lookup_group(group);
    if (!gid) {
      if (error) *error = "unknown group '" + std::string(group) + "'";
      return std::nullopt;
    }
    creds.gid = *gid;
    creds.groups = {*gid};
  }
  if (creds.groups.empty()) creds.groups = {creds.gid};
  return creds;
}

}  // namespace defender::supervisor

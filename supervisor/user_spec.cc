#include "supervisor/user_spec.h"

#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

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

// A static defender cannot load glibc's NSS modules in an image without glibc: read the
// files databases directly when NSS finds nothing. Fields split on ':' (bounded line length).
std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, ':')) fields.push_back(field);
  if (!line.empty() && line.back() == ':') fields.emplace_back();
  return fields;
}

std::optional<Credentials> user_from_file(std::string_view user, const std::string& path) {
  std::ifstream file(path);
  std::string line;
  const auto id = parse_id(user);
  while (std::getline(file, line)) {
    if (line.size() > 4096) continue;
    const auto f = split_fields(line);
    if (f.size() < 7) continue;
    const auto uid = parse_id(f[2]);
    const auto gid = parse_id(f[3]);
    if (!uid || !gid) continue;
    if (f[0] == user || (id && *id == *uid)) {
      Credentials creds;
      creds.uid = *uid;
      creds.gid = *gid;
      creds.name = f[0];
      creds.home = f[5];
      return creds;
    }
  }
  return std::nullopt;
}

// Groups naming `user` as a member (and the primary group), from a group file.
std::vector<gid_t> groups_from_file(const std::string& user, gid_t primary, const std::string& path) {
  std::vector<gid_t> groups{primary};
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line) && groups.size() < 1024) {
    const auto f = split_fields(line);
    if (f.size() < 4) continue;
    const auto gid = parse_id(f[2]);
    if (!gid || *gid == primary) continue;
    std::stringstream members(f[3]);
    std::string member;
    while (std::getline(members, member, ',')) {
      if (member == user) {
        groups.push_back(*gid);
        break;
      }
    }
  }
  return groups;
}

std::optional<gid_t> group_from_file(std::string_view group, const std::string& path) {
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    const auto f = split_fields(line);
    if (f.size() >= 3 && f[0] == group) {
      if (const auto gid = parse_id(f[2])) return static_cast<gid_t>(*gid);
    }
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
  } else if (auto from_file = user_from_file(user, "/etc/passwd")) {
    creds = std::move(*from_file);
    creds.groups = groups_from_file(creds.name, creds.gid, "/etc/group");
  } else if (const auto id = parse_id(user)) {
    // A numeric uid without a passwd entry (common in images): its group is the same number.
    creds.uid = *id;
    creds.gid = *id;
  } else {
    if (error) *error = "unknown user '" + std::string(user) + "'";
    return std::nullopt;
  }
  if (!group.empty()) {
    auto gid = lookup_group(group);
    if (!gid) gid = group_from_file(group, "/etc/group");
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

// `--user USER[:GROUP]`: who the app runs as after the root-only setup.
//
// Resolved once in the supervisor before the app is spawned (name lookups allocate and read
// files; the spawned child may only make raw syscalls), so the child just applies the numbers.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace defender::supervisor {

struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups (the user's, or just `gid`)
  std::string name;           // user name when known
  std::string home;           // home folder when known
};

// Parses "USER", "UID", "USER:GROUP", "UID:GID" (names looked up in the passwd/group
// databases). nullopt and `error` set when a name is unknown or the text is malformed.
std::optional<Credentials> resolve_user(std::string_view spec, std::string* error);

}  // namespace defender::supervisor

// Domain list files: one name a line, or hosts-file lines ("0.0.0.0 a.example b.example");
// `#` starts a comment; blank lines are skipped. Hosts-file boilerplate names (localhost,
// broadcasthost, ip6-* ...) are ignored. Pure parsing over a buffer, no allocation per line.
#pragma once

#include <functional>
#include <string_view>

namespace defender::policy {

struct ListEntry {
  std::string_view name;  // as written (the matcher normalises case and trailing dot)
  int line = 0;           // 1-based
  int column = 0;         // 1-based, of the name
};

// Calls on_entry for every name and on_error(line, column, message) for a malformed line
// (an address without a name, a name followed by junk). Stops early when a callback returns false.
void parse_list(std::string_view text, const std::function<bool(const ListEntry&)>& on_entry,
                const std::function<bool(int line, int column, std::string_view message)>& on_error);

}  // namespace defender::policy

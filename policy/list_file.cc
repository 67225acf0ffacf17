#include "policy/list_file.h"

#include <array>
#include <string>

#include "policy/cidr_set.h"

namespace defender::policy {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Names that hosts files map to themselves; never meant as blocklist entries.
bool is_hosts_boilerplate(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kNames = {
      "localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost",
      "ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "0.0.0.0"};
  for (const auto known : kNames) {
    if (name == known) return true;
  }
  return name.starts_with("ip6-allnodes") || name.starts_with("ip6-allrouters");
}

}  // namespace

void parse_list(std::string_view text, const std::function<bool(const ListEntry&)>& on_entry,
                const std::function<bool(int, int, std::string_view)>& on_error) {
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    // The first word is held back until the second tells whether it is a hosts-file address.
    std::size_t i = 0;
    std::string_view words[2];
    std::size_t word_cols[2] = {0, 0};
    int count = 0;
    while (i < line.size()) {
      while (i < line.size() && is_space(line[i])) ++i;
      if (i >= line.size()) break;
      const std::size_t start = i;
      while (i < line.size() && !is_space(line[i])) ++i;
      const std::string_view word = line.substr(start, i - start);
      const int column = static_cast<int>(start + 1);
      if (count == 0) {
        words[0] = word;
        word_cols[0] = static_cast<std::size_t>(column);
        count = 1;
        continue;
      }
      if (count == 1) {
        // Two words: the first must be an address (hosts-file form).
        if (!parse_ip(words[0])) {
          if (!on_error(line_no, static_cast<int>(word_cols[0]),
                        "expected a name, or an address followed by names (hosts-file form), got '" +
                            std::string(words[0]) + " " + std::string(word) + "'")) {
            return;
          }
          count = -1;
          break;
        }
        count = 2;
      }
      if (!is_hosts_boilerplate(word) && !on_entry({word, line_no, column})) return;
    }
    if (count == 1) {
      if (parse_ip(words[0])) {
        if (!on_error(line_no, static_cast<int>(word_cols[0]),
                      "address '" + std::string(words[0]) + "' without a name")) {
          return;
        }
      } else if (!is_hosts_boilerplate(words[0]) &&
                 !on_entry({words[0], line_no, static_cast<int>(word_cols[0])})) {
        return;
      }
    }
  }
}

}  // namespace defender::policy

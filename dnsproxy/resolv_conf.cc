#include "dnsproxy/resolv_conf.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace defender::dnsproxy {
namespace {

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size()) break;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    words.push_back(line.substr(start, i - start));
  }
  return words;
}

// The text of a line before a comment (glibc: '#' or ';' at the start of a line or a word).
std::string_view strip_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((line[i] == '#' || line[i] == ';') && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

int option_value(std::string_view token, std::string_view name, int fallback, int max) {
  const std::string_view value = token.substr(name.size());
  int parsed = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || end != value.data() + value.size() || parsed < 0) return fallback;
  return parsed > max ? max : parsed;
}

bool is_ours(const Endpoint& server, const std::vector<Endpoint>& ignore) {
  for (const Endpoint& ours : ignore) {
    if (ours.port != server.port) continue;
    if (ours.address == server.address) return true;
    if (ours.address.is_unspecified() && server.address.is_loopback()) return true;
  }
  return false;
}

}  // namespace

ResolvConf parse_resolv_conf(std::string_view text, const std::vector<Endpoint>& ignore) {
  ResolvConf conf;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = strip_comment(text.substr(start, end - start));
    ++line_no;
    start = end + 1;
    const auto words = split_words(line);
    if (words.empty()) continue;
    const std::string where = std::to_string(line_no) + ": ";
    if (words[0] == "nameserver") {
      if (words.size() < 2) {
        conf.notes.push_back(where + "nameserver without an address");
        continue;
      }
      std::string error;
      // resolv.conf cannot name a port: the address alone, brackets not allowed by glibc.
      const auto server = parse_endpoint(words[1], 53, &error);
      if (!server || words[1].find(']') != std::string_view::npos) {
        conf.notes.push_back(where + "'" + std::string(words[1]) + "' is not an IP address");
      } else if (is_ours(*server, ignore)) {
        conf.notes.push_back(where + std::string(words[1]) + " is the proxy itself");
      } else if (conf.nameservers.size() >= kMaxNameservers) {
        conf.notes.push_back(where + "more than 3 nameservers; the C libraries ignore the rest");
      } else {
        conf.nameservers.push_back(*server);
      }
    } else if (words[0] == "search" || words[0] == "domain") {
      conf.search.clear();
      for (std::size_t i = 1; i < words.size(); ++i) conf.search.emplace_back(words[i]);
      if (words[0] == "domain" && conf.search.size() > 1) conf.search.resize(1);
    } else if (words[0] == "options") {
      for (std::size_t i = 1; i < words.size(); ++i) {
        const std::string_view token = words[i];
        conf.options.emplace_back(token);
        if (token.starts_with("ndots:")) conf.ndots = option_value(token, "ndots:", conf.ndots, 15);
        else if (token.starts_with("timeout:")) conf.timeout_s = option_value(token, "timeout:", conf.timeout_s, 30);
        else if (token.starts_with("attempts:")) conf.attempts = option_value(token, "attempts:", conf.attempts, 5);
        else if (token == "rotate") conf.rotate = true;
        else if (token == "use-vc" || token == "usevc") conf.use_vc = true;
        else if (token == "edns0") conf.edns0 = true;
      }
    }
    // sortlist and unknown keywords: ignored, as the C libraries do.
  }
  return conf;
}

ResolvConf read_resolv_conf(const std::string& path, std::error_code& ec,
                            const std::vector<Endpoint>& ignore) {
  ec.clear();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ec = std::error_code(errno != 0 ? errno : ENOENT, std::generic_category());
    return {};
  }
  // resolv.conf is small; a huge file is not one (read at most 1 MiB).
  std::string text(1 << 20, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_resolv_conf(text, ignore);
}

std::string rewrite_resolv_conf(std::string_view original, const boost::asio::ip::address& address) {
  std::string out;
  bool placed = false;
  const std::string ours = "nameserver " + address.to_string() + "\n";
  std::size_t start = 0;
  while (start < original.size()) {
    std::size_t end = original.find('\n', start);
    if (end == std::string_view::npos) end = original.size();
    const std::string_view line = original.substr(start, end - start);
    start = end + 1;
    const auto words = split_words(strip_comment(line));
    if (!words.empty() && words[0] == "nameserver") {
      if (!placed) {
        out += ours;
        placed = true;
      }
      out += "# defender: was ";
      out += line;
      out += '\n';
      continue;
    }
    out += line;
    out += '\n';
  }
  if (!placed) out.insert(0, ours);
  return out;
}

}  // namespace defender::dnsproxy

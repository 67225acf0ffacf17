// waf_eval: runs the WAF offline (every protection in prevent mode) on labelled corpora and
// prints, per file and category, the share of attack records blocked (detection) and of
// benign records blocked (false positives), plus the mean cost per request.
//
//   waf_eval [--show-misses N] [--show-fp N] [--only CATEGORY] [--verdicts OUT] FILE.jsonl...
//
// --verdicts writes one line per record ("file id label category blocked|allowed protection"):
// diff two such files to see exactly which records a change gained or lost.
//
// Records the proxy could not parse (raw requests that are not HTTP) count as blocked: the
// proxy answers 400 before the WAF sees them.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "bench/waf/corpus_record.h"
#include "cnaf/waf/waf.h"

using namespace defender;

namespace {

struct Tally {
  std::size_t n = 0;
  std::size_t blocked = 0;
  std::map<std::string, std::size_t> by_protection;
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t show_misses = 0, show_fp = 0;
  std::string only, verdicts_path;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--show-misses" && i + 1 < argc) show_misses = std::stoul(argv[++i]);
    else if (a == "--show-fp" && i + 1 < argc) show_fp = std::stoul(argv[++i]);
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else if (a == "--verdicts" && i + 1 < argc) verdicts_path = argv[++i];
    else files.push_back(a);
  }
  cnaf::waf::WafConfig config;
  config.modes.fill(policy::Mode::prevent);
  const cnaf::waf::Waf waf(config);
  std::ofstream verdicts;
  if (!verdicts_path.empty()) {
    verdicts.open(verdicts_path);
    if (!verdicts) {
      std::cerr << "waf_eval: cannot write " << verdicts_path << "\n";
      return 2;
    }
  }
  std::map<std::string, Tally> tallies;  // "file label category"
  std::size_t shown_misses = 0, shown_fp = 0;
  double total_ns = 0;
  std::size_t total = 0;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) {
      std::cerr << "waf_eval: cannot open " << file << "\n";
      return 2;
    }
    const std::string base = file.substr(file.find_last_of('/') + 1);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const auto json = nlohmann::json::parse(line);
      auto rec = bench::from_record(json);
      if (json.contains("crs_pl")) rec.category += "(pl" + std::to_string(json["crs_pl"].get<int>()) + ")";
      if (!only.empty() && !rec.category.starts_with(only)) continue;
      bool blocked = rec.unparsable;
      std::string why = "unparsable";
      std::string first_protection = rec.unparsable ? "unparsable" : "-";
      if (!rec.unparsable) {
        const auto view = rec.view(static_cast<std::size_t>(config.inspect_body_bytes));
        // Thread CPU time: the machine is shared, preemption must not count.
        timespec t0{}, t1{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        const auto verdict = waf.inspect_content(view);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        total_ns += static_cast<double>(t1.tv_sec - t0.tv_sec) * 1e9 + static_cast<double>(t1.tv_nsec - t0.tv_nsec);
        ++total;
        blocked = !verdict.allowed();
        if (!verdict.findings.empty()) {
          const auto& f = verdict.findings.front();
          first_protection = f.protection;
          why = f.protection + " " + f.location + " [" + f.match + "] " + f.message;
        }
      }
      if (verdicts.is_open())
        verdicts << base << ' ' << rec.id << ' ' << rec.label << ' ' << rec.category << ' '
                 << (blocked ? "blocked " : "allowed ") << (blocked ? first_protection : "-") << '\n';
      auto& t = tallies[base + " " + rec.label + " " + rec.category];
      ++t.n;
      t.blocked += blocked;
      if (rec.label == "attack" && !blocked && shown_misses < show_misses) {
        ++shown_misses;
        std::cout << "MISS " << rec.id << " " << rec.method << " " << rec.target.substr(0, 200)
                  << " " << rec.version << " body=" << rec.body.substr(0, 300);
        for (const auto& [n, hv] : rec.headers) {
          static const char* kUsual[] = {"Host", "Connection", "User-Agent", "Accept", "Content-Length"};
          bool usual = false;
          for (const char* u : kUsual) usual |= n == u;
          if (!usual) std::cout << " | " << n << ": " << hv.substr(0, 200);
        }
        std::cout << "\n";
      }
      if (rec.label == "benign" && blocked && shown_fp < show_fp) {
        ++shown_fp;
        std::cout << "FP " << rec.id << " " << why.substr(0, 300) << "\n";
      }
    }
  }
  std::printf("%-28s %-7s %-18s %7s %7s %7s\n", "file", "label", "category", "records", "blocked", "rate");
  for (const auto& [key, t] : tallies) {
    char file[128], label[32], cat[64];
    std::sscanf(key.c_str(), "%127s %31s %63s", file, label, cat);
    std::printf("%-28s %-7s %-18s %7zu %7zu %6.1f%%\n", file, label, cat, t.n, t.blocked,
                t.n ? 100.0 * static_cast<double>(t.blocked) / static_cast<double>(t.n) : 0.0);
  }
  std::printf("mean %.0f ns CPU per request over %zu requests\n", total ? total_ns / static_cast<double>(total) : 0.0, total);
  return 0;
}

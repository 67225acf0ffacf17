// libFuzzer target for the Dockerfile parser and the rewrite. Beyond "never crashes, never
// hangs": whenever a rewrite is produced, it must parse again and run exactly
// [defender, rasp, ..., --, <the original argv>] (the rewrite checks this itself; here a
// violation aborts so the fuzzer reports it), and the original lines must all be present.
//   build-fuzz/fuzz/embed/fuzz_dockerfile_parser fuzz/corpus/dockerfile
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "embed/rewrite.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace defender::embed;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ParseLimits limits;
  limits.max_bytes = 256 * 1024;
  const ParseResult parsed = parse_dockerfile(text, limits);
  if (parsed.ok() == parsed.error.has_value()) std::abort();
  if (!parsed.ok()) return 0;
  EmbedOptions options;
  options.app_id = "fuzz";
  // Half the inputs pretend the base image's ENTRYPOINT/CMD/USER are known.
  if (size % 2 == 0) {
    options.base.entrypoint = Argv{"/entry"};
    options.base.cmd = Argv{"arg"};
    options.base.user = "base";
  }
  const ArgvResult original = effective_argv(*parsed.dockerfile, options.base);
  const RewriteResult rewritten = rewrite_dockerfile(*parsed.dockerfile, options);
  if (!rewritten.ok()) return 0;
  if (!original.argv || *original.argv != rewritten.original_argv) std::abort();
  const ParseResult again = parse_dockerfile(rewritten.dockerfile, ParseLimits{1 << 20, 20000, 65535});
  if (!again.ok()) std::abort();
  const ArgvResult now = effective_argv(*again.dockerfile, options.base);
  if (!now.argv || argv_behind_defender(*now.argv) != original.argv) std::abort();
  if (rewritten.dockerfile.size() < text.size()) std::abort();
  return 0;
}

#!/usr/bin/env bash
# Runs the policy benchmarks from an existing build folder (builds nothing) and prints figures.
#   bench/policy/run.sh BUILD_DIR [N ...]      e.g. bench/policy/run.sh build 100000 1000000
set -euo pipefail
build=${1:?usage: bench/policy/run.sh BUILD_DIR [N ...]}
shift
bin="$build/bench/policy/bench_domain_matcher"
if [[ ! -x $bin ]]; then
  echo "run.sh: $bin not found; build it first: cmake --build $build --target bench_domain_matcher" >&2
  exit 1
fi
echo "# DomainMatcher (policy/domain_matcher.cc): random label.label.tld names, half deny"
echo "# bytes_per_name = memory_bytes()/N; rss = resident-set growth over the build / N"
"$bin" "$@"

#!/usr/bin/env bash
# `make bench`: every module's benchmark, side by side with its peer, one after the other
# (never in parallel: the machine is small and shared). Usage: bench/run_all.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
for script in bench/policy/run.sh bench/policy/list_load.sh bench/dnsproxy/run.sh bench/cnaf/run.sh bench/waf/run.sh \
              bench/supervisor/run.sh bench/console/run.sh; do
  if [[ -x "$script" || -f "$script" ]]; then
    printf '\n===== %s =====\n' "$script"
    bash "$script" "$build" || echo "(${script} failed with status $?)"
  fi
done

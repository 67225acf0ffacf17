#!/usr/bin/env bash
# `make bench`, the WAF part: CPU per request offline on the proxy benchmark's scenarios
# (waf_speed), requests per second through CNAF with every protection on, with every one off,
# and through nginx + ModSecurity v3 + OWASP CRS PL1 (wrk_compare.sh), then detection and
# false positives side by side with CRS PL1 and PL2 on a sample of every corpus
# (crs_compare.sh; the whole corpora: --sample 100000, see README.md).
#   bench/waf/run.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
bin=$(readlink -f "$build/app/defender")
printf '\n--- waf_speed: CPU ns per request, every protection on / off ---\n'
"$build/bench/waf/waf_speed" 1000
printf '\n--- wrk_compare: requests per second through the proxies ---\n'
DEFENDER_BIN=$bin bash "$here/wrk_compare.sh" --duration 5s --rounds 3
printf '\n--- crs_compare: detection and false positives per category ---\n'
DEFENDER_BIN=$bin bash "$here/crs_compare.sh" --peers "crs1 crs2 cnaf"

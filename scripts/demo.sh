#!/usr/bin/env bash
# `make run`: the example app under the defender with the default policy. The defender runs in
# its own mount, PID and network namespaces (unshare), so this machine's network and its
# /etc/resolv.conf are never touched. Usage: scripts/demo.sh [DEFENDER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/app/defender}")
[[ -x $bin ]] || { echo "demo: no defender binary at $bin (make build)" >&2; exit 1; }
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" || true; }

say "The policy is one file you can review (conf/default.yaml); the defender explains it:"
run "$bin" policy check conf/default.yaml
run "$bin" policy explain conf/default.yaml --domain pool.supportxmr.com
run "$bin" policy explain conf/default.yaml --exec /usr/bin/nc -l -p 4444
run "$bin" policy explain conf/default.yaml --request "GET /item?id=1'+UNION+SELECT+password+FROM+users--"

if [[ $(id -u) -ne 0 ]] || ! unshare --mount --pid --net --fork --mount-proc true 2>/dev/null; then
  say "The live part needs root and namespaces (unshare); run 'sudo make run' to see it."
  exit 0
fi
unshare --mount --pid --net --fork --mount-proc bash scripts/demo/inside.sh "$bin"

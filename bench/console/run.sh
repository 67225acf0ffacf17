#!/usr/bin/env bash
# bench/console/run.sh [BUILD_DIR] [CONNECTIONS] [SECONDS]: starts `defender console` on free
# loopback ports in a scratch folder, holds CONNECTIONS simulated defenders open streaming
# events for SECONDS, and prints events/s stored, the console's RSS and API latency.
set -euo pipefail
build=${1:-build}
connections=${2:-1000}
seconds=${3:-10}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[[ $build = /* ]] || build="$root/$build"
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api=$(port); def=$(port)
echo "bench-password-1" > "$work/password"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$build/app/defender" console --api-listen "127.0.0.1:$api" --defender-listen "127.0.0.1:$def" \
  --data-folder "$work/data" --admin-password-file "$work/password" --log-level warn >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "console: API" "$work/log" 2>/dev/null && break; sleep 0.1; done
bundle=$(curl -sS --cacert "$work/data/tls/ca.pem" -u "admin:bench-password-1" \
  "https://127.0.0.1:$api/api/v1/defenders/install-bundle" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bundle"])')
"$build/bench/console/bench_console" --bundle "$bundle" --api-port "$api" --password bench-password-1 \
  --connections "$connections" --seconds "$seconds" --pid "$pid"

#!/usr/bin/env bash
# `make run`: shows what the defender does, without changing the machine it runs on.
set -euo pipefail
bin=${1:-build/app/defender}
cd "$(dirname "$0")/.."
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" || true; }

say "The default policy for a web front end (conf/default.yaml):"
run "$bin" policy check conf/default.yaml
say "What it decides, and which rule decides it:"
run "$bin" policy explain conf/default.yaml --domain pool.supportxmr.com
run "$bin" policy explain conf/default.yaml --domain registry.npmjs.org
run "$bin" policy explain conf/default.yaml --exec /usr/bin/nc -l -p 4444
run "$bin" policy explain conf/default.yaml --exec /tmp/.x/payload
run "$bin" policy explain conf/default.yaml --exec /usr/bin/python3 --json
say "A policy with mistakes is refused, each named with its place:"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'mdoe: alert\nnetwork:\n  deny: ["bad..name"]\n  blocked_answer: nxdomian\n' > "$tmp/policy.yaml"
run "$bin" policy check "$tmp/policy.yaml"

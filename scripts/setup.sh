#!/usr/bin/env bash
# Installs, non-interactively and only when missing, every Debian package that building,
# testing, benchmarking and running RASP Defender use. Safe to run again: it does nothing
# when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

# Build: compilers, CMake, the libraries the code links.
build_pkgs=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev            # fuzz targets (libFuzzer) and sanitizers
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libboost-dev libboost-system-dev    # Boost.Asio / Beast (header-only in 1.74)
  libssl-dev libldns-dev libnghttp2-dev node-llhttp
  libhyperscan-dev libseccomp-dev libsqlite3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev                          # embed: ZIP bundle (deflate, CRC-32)
)
# Tests: real peers and clients the integration tests start or drive.
test_pkgs=(
  python3 curl iproute2 util-linux procps
  bind9-dnsutils ldnsutils            # dig, drill
  nsd unbound                         # real DNS servers as upstreams
  nghttp2-client                      # nghttp, h2load
  openssl
  unzip podman buildah runc busybox-static   # embed: bundle check, end-to-end image test
  chromium                            # console: web UI tests (headless, DevTools pipe)
)
# Benchmarks: the peers measured side by side.
bench_pkgs=(dnsdist dnsperf nginx wrk libnginx-mod-http-modsecurity modsecurity-crs)

want=("${build_pkgs[@]}" "${test_pkgs[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Packaged daemons must not hold the ports our tests and benchmarks use.
for svc in nsd unbound dnsdist nginx; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    $SUDO systemctl stop "$svc" || true
  fi
done

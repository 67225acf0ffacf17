#!/usr/bin/env bash
# Replays the labelled corpora through nginx + ModSecurity v3 + OWASP CRS (paranoia 1 and 2,
# blocking mode) and through `defender cnaf` (every protection in prevent mode), all in front
# of the same echo backend, and prints detection per category and false positives side by
# side (replay.py's tables, one per peer). Every server runs from a temp folder with its own
# config, pid file and free loopback port; only the pids started here are stopped.
#
#   bench/waf/crs_compare.sh [--sample N] [--peers "crs1 crs2 cnaf"] [corpus.jsonl ...]
#
# SHARED (env) or DEFENDER_SHARED_DIR: the shared/ folder (default: ../shared beside the
# checkout). DEFENDER_BIN: the defender binary (default build/defender). Needs
# `bash scripts/setup.sh --bench` (nginx, libnginx-mod-http-modsecurity, modsecurity-crs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${SHARED:-${DEFENDER_SHARED_DIR:-$root/../shared}}
replay=${REPLAY:-$shared/tools/replay.py}
backend=$shared/tools/echo_backend.py
bin=${DEFENDER_BIN:-$root/build/defender}
sample=400
peers="crs1 crs2 cnaf"
files=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sample) sample=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
if [[ ${#files[@]} -eq 0 ]]; then files=("$shared"/corpora/*.jsonl); fi

work=$(mktemp -d /tmp/waf-compare.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 100); do
    if python3 -c "import socket,sys;socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "crs_compare: nothing listens on $1" >&2; return 1
}

backend_port=$(free_port)
python3 "$backend" --port "$backend_port" --max-seconds 7200 & pids+=($!)
wait_port "$backend_port"

start_crs() {  # $1 paranoia level; prints the port
  local pl=$1 dir=$work/crs$1 port
  port=$(free_port)
  mkdir -p "$dir"/tmp
  sed -e 's/^SecRuleEngine .*/SecRuleEngine On/' -e 's/^SecAuditEngine .*/SecAuditEngine Off/' \
      -e 's|^SecAuditLog .*|SecAuditLog /dev/null|' -e 's|^SecUnicodeMapFile .*|SecUnicodeMapFile /etc/nginx/unicode.mapping 20127|' \
      /etc/nginx/modsecurity.conf > "$dir/modsecurity.conf"
  cat > "$dir/main.conf" <<CONF
Include $dir/modsecurity.conf
Include /etc/modsecurity/crs/crs-setup.conf
SecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=$pl"
Include /usr/share/modsecurity-crs/rules/*.conf
CONF
  cat > "$dir/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_modsecurity_module.so;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  client_max_body_size 16m;
  server {
    listen 127.0.0.1:$port;
    modsecurity on;
    modsecurity_rules_file $dir/main.conf;
    location / { proxy_pass http://127.0.0.1:$backend_port; }
  }
}
CONF
  nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" -g 'daemon off;' & pids+=($!)
  wait_port "$port"
  echo "$port" > "$dir/port"
}

start_cnaf() {
  local dir=$work/cnaf port
  port=$(free_port)
  mkdir -p "$dir"
  cat > "$dir/policy.yaml" <<CONF
version: 1
app_id: waf-bench
mode: prevent
cnaf:
  listen: 127.0.0.1:$port
  upstream: 127.0.0.1:$backend_port
  protections: {sqli: prevent, xss: prevent, cmdi: prevent, code_injection: prevent, lfi: prevent, shellshock: prevent, scanners: prevent, protocol: prevent, rfi: prevent, ssrf: prevent, nosqli: prevent, xxe: prevent}
events:
  file: "-"
metrics:
  listen: ""
CONF
  "$bin" cnaf --policy "$dir/policy.yaml" --data-folder "$dir" --listen "127.0.0.1:$port" \
      --upstream "127.0.0.1:$backend_port" > "$dir/out.log" 2>&1 & pids+=($!)
  wait_port "$port"
  echo "$port" > "$dir/port"
}

for peer in $peers; do
  case "$peer" in
    crs1) start_crs 1 ;;
    crs2) start_crs 2 ;;
    cnaf) if [[ -x "$bin" ]]; then start_cnaf; else echo "crs_compare: no $bin, skipping cnaf" >&2; continue; fi ;;
  esac
  port=$(cat "$work/$peer/port")
  echo "=== $peer (127.0.0.1:$port) sample=$sample"
  python3 "$replay" --target "127.0.0.1:$port" -c 8 -q --sample "$sample" --seed 1 \
      --json-summary "$work/$peer.json" "${files[@]}"
done
echo "results in $work"

#!/usr/bin/env bash
# Requests per second through `defender cnaf` with every protection in prevent mode, with
# every protection off, and through nginx + ModSecurity v3 + CRS (paranoia 1), all in front of
# the same echo backend, on the proxy benchmark's scenarios (small GET, GET with ten query
# parameters, POST 4 KiB form, POST 16 KiB JSON). One wrk run per scenario and peer.
#
#   bench/waf/wrk_compare.sh [--duration 10s] [--connections 32] [--threads 2]
#
# DEFENDER_BIN (default build/defender), SHARED / DEFENDER_SHARED_DIR (default ../shared).
# Every server runs from a temp folder on a free loopback port; only pids started here stop.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${SHARED:-${DEFENDER_SHARED_DIR:-$root/../shared}}
bin=${DEFENDER_BIN:-$root/build/defender}
duration=10s connections=32 threads=2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "usage: $0 [--duration D] [--connections N] [--threads N]" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/waf-wrk.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 100); do
    python3 -c "import socket;socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "wrk_compare: nothing listens on $1" >&2; return 1
}

backend=$(free_port)
python3 "$shared/tools/echo_backend.py" --port "$backend" --max-seconds 3600 & pids+=($!)
wait_port "$backend"

# Scenario bodies and wrk scripts.
python3 - "$work" <<'PY'
import json, sys, os
w = sys.argv[1]
form = "&".join("field%d=Some+ordinary+text%%2C+with+punctuation+and+numbers+%d" % (i, i * 31) for i in range(60))
while len(form) < 4096: form += "&pad=abc"
items = []
while len(json.dumps({"items": items})) < 16384:
    k = len(items)
    items.append({"id": k, "name": "Item number %d" % k, "description": "A plain description of the item, nothing special.", "tags": ["a", "b"]})
open(os.path.join(w, "form.body"), "w").write(form[:4096])
open(os.path.join(w, "json.body"), "w").write(json.dumps({"items": items}))
PY
ua='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'
cat > "$work/post.lua" <<LUA
local f = io.open(os.getenv("WRK_BODY"), "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body
wrk.headers["Content-Type"] = os.getenv("WRK_CT")
wrk.headers["User-Agent"] = "$ua"
wrk.headers["Accept"] = "text/html,application/xhtml+xml"
wrk.headers["Accept-Language"] = "en-US,en;q=0.9"
LUA
cat > "$work/get.lua" <<LUA
wrk.headers["User-Agent"] = "$ua"
wrk.headers["Accept"] = "text/html,application/xhtml+xml"
wrk.headers["Accept-Language"] = "en-US,en;q=0.9"
LUA

start_crs1() {
  local dir=$work/crs1 port; port=$(free_port); mkdir -p "$dir/tmp"
  sed -e 's/^SecRuleEngine .*/SecRuleEngine On/' -e 's/^SecAuditEngine .*/SecAuditEngine Off/' \
      -e 's|^SecAuditLog .*|SecAuditLog /dev/null|' -e 's|^SecUnicodeMapFile .*|SecUnicodeMapFile /etc/nginx/unicode.mapping 20127|' \
      /etc/nginx/modsecurity.conf > "$dir/modsecurity.conf"
  printf 'Include %s\nInclude /etc/modsecurity/crs/crs-setup.conf\nSecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=1"\nInclude /usr/share/modsecurity-crs/rules/*.conf\n' "$dir/modsecurity.conf" > "$dir/main.conf"
  cat > "$dir/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_modsecurity_module.so;
worker_processes 1; pid $dir/nginx.pid; error_log $dir/error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $dir/tmp/b; proxy_temp_path $dir/tmp/p; fastcgi_temp_path $dir/tmp/f; uwsgi_temp_path $dir/tmp/u; scgi_temp_path $dir/tmp/s;
  upstream be { server 127.0.0.1:$backend; keepalive 64; }
  server { listen 127.0.0.1:$port; modsecurity on; modsecurity_rules_file $dir/main.conf;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
  nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" -g 'daemon off;' & pids+=($!)
  wait_port "$port"; echo "$port"
}
start_cnaf() {  # $1 = prevent | disable
  local mode=$1 dir=$work/cnaf-$1 port; port=$(free_port); mkdir -p "$dir"
  local p="{sqli: $mode, xss: $mode, cmdi: $mode, code_injection: $mode, lfi: $mode, shellshock: $mode, scanners: $mode, protocol: $mode, rfi: $mode, ssrf: $mode, nosqli: $mode, xxe: $mode}"
  printf 'version: 1\napp_id: waf-wrk\ncnaf:\n  listen: 127.0.0.1:%s\n  upstream: 127.0.0.1:%s\n  protections: %s\nevents:\n  file: events.jsonl\nmetrics:\n  listen: ""\n' "$port" "$backend" "$p" > "$dir/policy.yaml"
  "$bin" cnaf --policy "$dir/policy.yaml" --data-folder "$dir" --listen "127.0.0.1:$port" --upstream "127.0.0.1:$backend" > "$dir/out.log" 2>&1 & pids+=($!)
  wait_port "$port"; echo "$port"
}

declare -A ports
ports[crs1]=$(start_crs1)
if [[ -x "$bin" ]]; then
  ports[cnaf-on]=$(start_cnaf prevent)
  ports[cnaf-off]=$(start_cnaf disable)
else
  echo "wrk_compare: no $bin: only nginx+CRS is measured" >&2
fi
params=$(python3 -c 'print("&".join("param%d=value+number+%d" % (i, i * 7919) for i in range(10)))')
printf '%-22s %-10s %12s\n' scenario peer requests/s
for peer in cnaf-on cnaf-off crs1; do
  [[ -n "${ports[$peer]:-}" ]] || continue
  url=http://127.0.0.1:${ports[$peer]}
  for sc in small_get get_10_params post_4k_form post_16k_json; do
    case $sc in
      small_get) out=$(wrk -t"$threads" -c"$connections" -d"$duration" -s "$work/get.lua" "$url/index.html") ;;
      get_10_params) out=$(wrk -t"$threads" -c"$connections" -d"$duration" -s "$work/get.lua" "$url/search?$params") ;;
      post_4k_form) out=$(WRK_BODY=$work/form.body WRK_CT=application/x-www-form-urlencoded wrk -t"$threads" -c"$connections" -d"$duration" -s "$work/post.lua" "$url/submit") ;;
      post_16k_json) out=$(WRK_BODY=$work/json.body WRK_CT=application/json wrk -t"$threads" -c"$connections" -d"$duration" -s "$work/post.lua" "$url/api/items") ;;
    esac
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    printf '%-22s %-10s %12s %s\n' "$sc" "$peer" "$rps" "${non2xx:+(non-2xx: $non2xx)}"
  done
done

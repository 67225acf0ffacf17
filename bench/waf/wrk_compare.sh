#!/usr/bin/env bash
# Requests per second through `defender cnaf` with every protection in prevent mode
# ("cnaf-on"), with every protection off ("cnaf-off": the proxy's allow-all inspector, bodies
# stream uninspected), and through nginx + ModSecurity v3 + OWASP CRS paranoia 1 ("crs1",
# blocking, the packaged modsecurity.conf), all in front of the same fast backend (nginx
# serving static files), on the proxy benchmark's scenarios: small GET, GET with ten query
# parameters, 10 KiB page, POST 4 KiB form, POST 16 KiB JSON. Every request carries a
# browser's headers (User-Agent, Accept, Accept-Language, a Cookie) so every WAF reads them.
#
# For each scenario the three peers run one after the other (close in time: the machine is
# shared, compare within one run). Per peer: requests/s, non-2xx answers, the proxy's CPU time
# per request (utime+stime of the proxy's processes over the run / requests); then the ratios
# cnaf-on/cnaf-off and cnaf-on/crs1.
#
#   bench/waf/wrk_compare.sh [--duration 10s] [--connections 32] [--threads 2] [--peers "cnaf-on cnaf-off crs1"]
#                            [--rounds 1] [--scenarios "small_get ... post_16k_json"]
#
# --rounds N runs the peers of a scenario N times in turn (on, off, crs1, on, off, ...) and
# reports each peer's median requests/s and CPU: on this shared machine one run of a few
# seconds can be off by 10 %; the median of alternated rounds is steadier.
#
# DEFENDER_BIN (default build/app/defender, else build/defender). Both proxies get 2
# threads/workers. Every server runs from a temp folder on a free loopback port with its own
# config and pid file; only the processes started here are stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${DEFENDER_BIN:-}
if [[ -z "$bin" ]]; then
  bin=$root/build/app/defender
  [[ -x "$bin" ]] || bin=$root/build/defender
fi
duration=10s connections=32 threads=2 peers="cnaf-on cnaf-off crs1" rounds=1
scenarios="small_get get_10_params page_10k post_4k_form post_16k_json"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    *) echo "usage: $0 [--duration D] [--connections N] [--threads N] [--peers LIST] [--rounds N] [--scenarios LIST]" >&2; exit 2 ;;
  esac
done
for tool in nginx wrk python3; do
  command -v "$tool" >/dev/null || { echo "wrk_compare: missing $tool (bash scripts/setup.sh --bench)" >&2; exit 1; }
done
[[ -f /usr/lib/nginx/modules/ngx_http_modsecurity_module.so ]] ||
  { echo "wrk_compare: missing libnginx-mod-http-modsecurity (bash scripts/setup.sh --bench)" >&2; exit 1; }
[[ -d /usr/share/modsecurity-crs/rules ]] ||
  { echo "wrk_compare: missing modsecurity-crs (bash scripts/setup.sh --bench)" >&2; exit 1; }
[[ -x "$bin" ]] || { echo "wrk_compare: no defender binary at $bin (DEFENDER_BIN)" >&2; exit 1; }
bin=$(readlink -f "$bin")

work=$(mktemp -d /tmp/waf-wrk.XXXXXX)
pids=()
pidfiles=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "${pidfiles[@]}"; do [[ -f "$f" ]] && kill "$(cat "$f")" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  sleep 0.2
  rm -rf "$work"
}
trap cleanup EXIT
source "$here/../lib/static_backend.sh"

# --- backend: nginx serving static files, 1 worker, the same for every peer ---
backend=$(free_port)
start_static_backend "$work" "$backend"
pidfiles+=("$work/backend/nginx.pid")
wait_port "$backend"

# --- scenario bodies and wrk scripts: ordinary text, numbers and punctuation ---
ua='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36'
python3 - "$work" "$ua" <<'PY'
import json, os, sys
w, ua = sys.argv[1], sys.argv[2]
form = "&".join("field%d=Some+ordinary+text%%2C+with+punctuation+and+numbers+%d" % (i, i * 31) for i in range(60))
while len(form) < 4096: form += "&pad=abc"
items = []
while len(json.dumps({"items": items})) < 16384:
    k = len(items)
    items.append({"id": k, "name": "Item number %d" % k,
                  "description": "A plain description of the item, nothing special.", "tags": ["a", "b"]})
headers = {"User-Agent": ua, "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
           "Accept-Language": "en-US,en;q=0.9", "Cookie": "session=8f2a9c0d1e4b; theme=light"}
def lua(name, method=None, ctype=None, body=None):
    with open(os.path.join(w, name + ".lua"), "w") as f:
        for k, v in headers.items(): f.write('wrk.headers[%s] = %s\n' % (json.dumps(k), json.dumps(v)))
        if method: f.write('wrk.method = "%s"\n' % method)
        if ctype: f.write('wrk.headers["Content-Type"] = %s\n' % json.dumps(ctype))
        if body is not None: f.write('wrk.body = %s\n' % json.dumps(body))
lua("get")
lua("form", "POST", "application/x-www-form-urlencoded", form[:4096])
lua("json", "POST", "application/json", json.dumps({"items": items}))
PY

# --- peers ---
start_crs1() {
  local dir=$work/crs1 port; port=$(free_port); mkdir -p "$dir"
  sed -e 's/^SecRuleEngine .*/SecRuleEngine On/' -e 's/^SecAuditEngine .*/SecAuditEngine Off/' \
      -e 's|^SecAuditLog .*|SecAuditLog /dev/null|' -e 's|^SecUnicodeMapFile .*|SecUnicodeMapFile /etc/nginx/unicode.mapping 20127|' \
      -e "s|^SecTmpDir .*|SecTmpDir $dir/body|" -e "s|^SecDataDir .*|SecDataDir $dir/body|" \
      /etc/nginx/modsecurity.conf > "$dir/modsecurity.conf"
  printf 'Include %s\nInclude /etc/modsecurity/crs/crs-setup.conf\nSecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=1"\nInclude /usr/share/modsecurity-crs/rules/*.conf\n' \
      "$dir/modsecurity.conf" > "$dir/main.conf"
  cat > "$dir/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_modsecurity_module.so;
worker_processes 2; pid $dir/nginx.pid; error_log $dir/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; $(nginx_temp_dirs "$dir")
  upstream be { server 127.0.0.1:$backend; keepalive 64; }
  server { listen 127.0.0.1:$port; client_max_body_size 10m;
    modsecurity on; modsecurity_rules_file $dir/main.conf;
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
  nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log"
  pidfiles+=("$dir/nginx.pid")
  wait_port "$port"
  echo "$port" > "$dir/port"; cat "$dir/nginx.pid" > "$dir/pid"
}
start_cnaf() {  # $1 = on | off
  local dir=$work/cnaf-$1 port mode; port=$(free_port); mkdir -p "$dir"
  mode=$([[ $1 == on ]] && echo prevent || echo disable)
  local p="{sqli: $mode, xss: $mode, cmdi: $mode, code_injection: $mode, lfi: $mode, shellshock: $mode, scanners: $mode, protocol: $mode, rfi: $mode, ssrf: $mode, nosqli: $mode, xxe: $mode}"
  printf 'version: 1\napp_id: waf-wrk\ncnaf:\n  protections: %s\nmetrics:\n  listen: ""\n' "$p" > "$dir/policy.yaml"
  # Own session, as the nginx daemons (one scheduling autogroup each; see bench/cnaf/run.sh).
  setsid "$bin" cnaf --policy "$dir/policy.yaml" --data-folder "$dir" --listen "127.0.0.1:$port" \
      --upstream "127.0.0.1:$backend" --threads 2 --log-level warn > "$dir/out.log" 2>&1 &
  pids+=($!)
  echo $! > "$dir/pid"
  wait_port "$port"
  echo "$port" > "$dir/port"
}
for peer in $peers; do
  case $peer in
    crs1) start_crs1 ;;
    cnaf-on) start_cnaf on ;;
    cnaf-off) start_cnaf off ;;
    *) echo "wrk_compare: unknown peer $peer" >&2; exit 2 ;;
  esac
done

# CPU ticks (utime+stime) of a process and its children (nginx: the workers).
cpu_ticks() {
  local t=0 p
  for p in "$1" $(pgrep -P "$1" || true); do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done
  echo $t
}
hz=$(getconf CLK_TCK)
params=$(python3 -c 'print("&".join("param%d=value+number+%d" % (i, i * 7919) for i in range(10)))')
results=$work/results.txt
: > "$results"
[[ "$rounds" =~ ^[1-9][0-9]?$ ]] || { echo "wrk_compare: --rounds takes 1 to 99" >&2; exit 2; }
for sc in $scenarios; do
  for round in $(seq "$rounds"); do
  for peer in $peers; do
    url=http://127.0.0.1:$(cat "$work/$peer/port")
    pid=$(cat "$work/$peer/pid")
    case $sc in
      small_get) args=(-s "$work/get.lua" "$url/small") ;;
      get_10_params) args=(-s "$work/get.lua" "$url/small?$params") ;;
      page_10k) args=(-s "$work/get.lua" "$url/page10k") ;;
      post_4k_form) args=(-s "$work/form.lua" "$url/post") ;;
      post_16k_json) args=(-s "$work/json.lua" "$url/post") ;;
    esac
    c0=$(cpu_ticks "$pid")
    out=$(wrk -t"$threads" -c"$connections" -d"$duration" "${args[@]}")
    c1=$(cpu_ticks "$pid")
    reqs=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    sockerr=$(awk '/Socket errors/ {print $0}' <<<"$out")
    us=$(python3 -c "print('%.1f' % (($c1-$c0)*1e6/$hz/max(1,${reqs:-0})))")
    echo "$sc|$peer|${rps:-0}|$us|${non2xx:-0}|$sockerr" >> "$results"
  done
  done
done

python3 - "$results" "$duration" "$connections" "$threads" "$rounds" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
runs = {}  # scenario -> peer -> [(rps, us, non2xx, sockerr)] in round order
for sc, peer, rps, us, non2xx, sockerr in rows:
    runs.setdefault(sc, {}).setdefault(peer, []).append((float(rps), float(us), int(non2xx or 0), sockerr))
rounds = int(sys.argv[5])
print("wrk -t%s -c%s -d%s, %d round(s) (medians); proxies 2 threads/workers; backend nginx static; "
      "CPU = proxy utime+stime per request" % (sys.argv[4], sys.argv[3], sys.argv[2], rounds))
print("%-15s %10s %10s %10s %7s %11s %7s %9s %9s %9s  %s" % ("scenario", "on req/s", "off req/s", "crs1 req/s",
      "on/off", "(per round)", "on/crs", "on us/r", "off us/r", "crs us/r", "non-2xx (on/off/crs)"))
for sc, d in runs.items():
    med = {peer: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v), sum(r[2] for r in v))
           for peer, v in d.items()}
    def g(peer, i, fmt):
        return fmt % med[peer][i] if peer in med else "-"
    def ratio(a, b):
        return "%.2f" % (med[a][0] / med[b][0]) if a in med and b in med and med[b][0] > 0 else "-"
    spread = "-"
    if "cnaf-on" in d and "cnaf-off" in d and rounds > 1:
        per = [on[0] / off[0] for on, off in zip(d["cnaf-on"], d["cnaf-off"]) if off[0] > 0]
        spread = "%.2f-%.2f" % (min(per), max(per)) if per else "-"
    print("%-15s %10s %10s %10s %7s %11s %7s %9s %9s %9s  %s/%s/%s" % (
        sc, g("cnaf-on", 0, "%.0f"), g("cnaf-off", 0, "%.0f"), g("crs1", 0, "%.0f"),
        ratio("cnaf-on", "cnaf-off"), spread, ratio("cnaf-on", "crs1"),
        g("cnaf-on", 1, "%.1f"), g("cnaf-off", 1, "%.1f"), g("crs1", 1, "%.1f"),
        g("cnaf-on", 2, "%d"), g("cnaf-off", 2, "%d"), g("crs1", 2, "%d")))
    for peer, v in d.items():
        for r in v:
            if r[3]: print("  %s %s: %s" % (sc, peer, r[3]))
PY

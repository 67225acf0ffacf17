#!/bin/bash
# Side-by-side reverse-proxy benchmark (issue #4): wrk (HTTP/1.1) and h2load (h2c, prior
# knowledge) through `defender cnaf` and through nginx configured as a plain reverse proxy
# (PROXY_THREADS workers, default 2, upstream keep-alive, the same X-Forwarded-*/X-Request-Id work), both in front of
# the same fast backend (a separate nginx serving static files). One run, same machine.
#
# Scenarios: small GET, GET with ten query parameters, 10 KiB page, POST 4 KiB form,
# POST 16 KiB JSON (HTTP/1.1), then small GET and 10 KiB page over h2c.
# Per proxy and scenario: requests/s, p50/p99 latency (the client's), proxy CPU time per
# request (utime+stime from /proc/PID/stat over the run, all proxy processes, divided by the
# requests completed), proxy RSS after the run; and the ratio ours/nginx.
#
# Each HTTP/1.1 scenario runs once per wrk thread count of CLIENT_THREADS (default "1 2"): on
# a 2-core machine the client, the backend and the proxy share the CPUs, and how the client's
# threads line up with the proxy's changes the figures (see the closing note of issue #4:
# with 2 wrk threads and 2 proxy threads both proxies sleep and wake per request far more).
# The two proxies run back to back per scenario, so drift on a shared machine hits both.
#
#   [PROXY_THREADS=N] [AFFINITY=1] bench/cnaf/run.sh [BUILD_DIR|DEFENDER_BIN] [SECONDS] [CONNECTIONS] [CLIENT_THREADS]
# Everything runs on 127.0.0.1 with its own configs and pid files in a temp folder; only the
# processes started here are stopped. The packaged nginx service is never touched.
set -euo pipefail

ARG=${1:-build}
SECONDS_PER_RUN=${2:-5}
CONNS=${3:-50}
CLIENT_THREADS=${4:-"1 2"}
PROXY_THREADS=${PROXY_THREADS:-2}  # nginx workers and defender threads alike
AFFINITY=${AFFINITY:-0}  # 1: pin them, nginx with worker_cpu_affinity auto, defender with --cpu-affinity
NGX_AFFINITY=""; OUR_AFFINITY=()
if [[ $AFFINITY == 1 ]]; then NGX_AFFINITY="worker_cpu_affinity auto;"; OUR_AFFINITY=(--cpu-affinity); fi
WRK_THREADS=2
if [[ -d "$ARG" ]]; then BIN="$ARG/app/defender"; else BIN="$ARG"; fi
for tool in nginx wrk h2load python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/setup.sh --bench)"; exit 1; }
done
[[ -x "$BIN" ]] || { echo "no defender binary at $BIN"; exit 1; }
BIN=$(readlink -f "$BIN")
WORK=$(mktemp -d /tmp/cnafbench.XXXXXX)
PIDS=()
NGINX_PIDFILES=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pf in "${NGINX_PIDFILES[@]}"; do [[ -f "$pf" ]] && kill "$(cat "$pf")" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  sleep 0.2
  rm -rf "$WORK"
}
trap cleanup EXIT

source "$(dirname "$0")/../lib/static_backend.sh"
BACK_PORT=$(free_port); NGX_PORT=$(free_port); NGX_H2_PORT=$(free_port); OUR_PORT=$(free_port)

# --- backend: nginx serving static files (1 worker: the same for both proxies) ---
start_static_backend "$WORK" "$BACK_PORT"
NGINX_PIDFILES+=("$WORK/backend/nginx.pid")
mkdir -p "$WORK/proxy"
PROXY_TEMPS=$(nginx_temp_dirs "$WORK/proxy")

# --- nginx as the reverse proxy (PROXY_THREADS workers, like our PROXY_THREADS threads) ---
cat > "$WORK/proxy/nginx.conf" <<CONF
worker_processes $PROXY_THREADS;
$NGX_AFFINITY
pid $WORK/proxy/nginx.pid;
error_log $WORK/proxy/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  $PROXY_TEMPS
  upstream app { server 127.0.0.1:$BACK_PORT; keepalive 64; }
  server {
    listen 127.0.0.1:$NGX_PORT;
    listen 127.0.0.1:$NGX_H2_PORT http2;
    client_max_body_size 10m;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header X-Request-Id \$request_id;
      add_header X-Request-Id \$request_id;
    }
  }
}
CONF
nginx -c "$WORK/proxy/nginx.conf" -p "$WORK/proxy" -e "$WORK/proxy/error.log"
NGINX_PIDFILES+=("$WORK/proxy/nginx.pid")

# --- defender cnaf (2 threads), events to the temp folder, the inspector empty (every
# protection disabled: the proxy alone, as nginx is here; bench/waf/wrk_compare.sh measures the WAF) ---
cat > "$WORK/policy.yaml" <<'YAML'
version: 1
cnaf:
  protections: {sqli: disable, xss: disable, cmdi: disable, code_injection: disable, lfi: disable,
                shellshock: disable, scanners: disable, protocol: disable, rfi: disable,
                ssrf: disable, nosqli: disable, xxe: disable}
YAML
# In a session of its own, as the nginx daemons are (they call setsid): with the kernel's
# autogroups (CONFIG_SCHED_AUTOGROUP) every session is one scheduling group, and a proxy left
# in this script's session would share wrk's CPU share (defender got 0.75-0.85x nginx's req/s
# with 2 threads and wrk -t2 that way, 1.08x in its own session).
setsid "$BIN" cnaf --policy "$WORK/policy.yaml" --listen "127.0.0.1:$OUR_PORT" --upstream "127.0.0.1:$BACK_PORT" --threads "$PROXY_THREADS" "${OUR_AFFINITY[@]}" \
  --data-folder "$WORK" --log-level warn 2> "$WORK/cnaf.log" &
OUR_PID=$!
PIDS+=("$OUR_PID")

wait_port "$BACK_PORT"; wait_port "$NGX_PORT"; wait_port "$OUR_PORT"
NGX_MASTER=$(cat "$WORK/proxy/nginx.pid")

# CPU ticks (utime+stime) and RSS (KiB) of a process and its children (nginx: the workers).
proc_pids() { echo "$1"; pgrep -P "$1" || true; }
cpu_ticks() { local t=0; for p in $(proc_pids "$1"); do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
rss_kib() { local t=0; for p in $(proc_pids "$1"); do t=$((t + $(awk '/VmRSS/{print $2}' "/proc/$p/status"))); done; echo $t; }
HZ=$(getconf CLK_TCK)

# Lua scripts for the POST scenarios.
python3 - "$WORK" <<'PY'
import json, sys, urllib.parse
work = sys.argv[1]
form = urllib.parse.urlencode({"field%d" % i: "v" * 60 for i in range(60)})[:4096]
form = form + "x" * (4096 - len(form))
doc = json.dumps({"items": [{"id": i, "name": "item-%d" % i, "tags": ["a", "b", "c"], "price": i * 1.5} for i in range(400)]})
doc = doc[:16380]
doc = doc + " " * (16384 - len(doc))
def lua(name, ctype, body):
    with open("%s/%s.lua" % (work, name), "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "%s"\nwrk.body = %s\n' % (ctype, json.dumps(body)))
lua("form", "application/x-www-form-urlencoded", form)
lua("json", "application/json", doc)
PY

QUERY="?a=1&b=two&c=3&d=four&e=5&f=six&g=7&h=eight&i=9&j=ten"
RESULTS="$WORK/results.txt"
: > "$RESULTS"

# run NAME PROXY PID URL [wrk args...]
run_wrk() {
  local name=$1 proxy=$2 pid=$3 url=$4; shift 4
  local c0 c1 out reqs rps p50 p99 rss
  c0=$(cpu_ticks "$pid")
 out=$(wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECONDS_PER_RUN}s" --latency "$@" "$url")
  c1=$(cpu_ticks "$pid")
  reqs=$(echo "$out" | awk '/requests in/{print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p50=$(echo "$out" | awk '$1=="50%"{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  local errors; errors=$(echo "$out" | awk '/Non-2xx|Socket errors/{printf "%s ", $0}')
  rss=$(rss_kib "$pid")
  local us_per_req; us_per_req=$(python3 -c "print('%.1f' % (($c1-$c0)*1e6/$HZ/max(1,$reqs)))")
  echo "$name|$proxy|$rps|$p50|$p99|$us_per_req|$rss|$errors" >> "$RESULTS"
}

run_h2() {
  local name=$1 proxy=$2 pid=$3 url=$4
  local c0 c1 out reqs rps p50 p99 rss
  c0=$(cpu_ticks "$pid")
  out=$(h2load -c"$CONNS" -m10 -t2 -D "$SECONDS_PER_RUN" "$url" 2>&1 || true)
  c1=$(cpu_ticks "$pid")
  reqs=$(echo "$out" | awk '/^requests:/{print $8}')
  rps=$(echo "$out" | awk '/^finished in/{print $4}')
  # h2load prints min/max/mean/sd of request time; no percentiles: report mean as p50, max as p99.
  p50=$(echo "$out" | awk '/^time for request:/{print $6"(mean)"}')
  p99=$(echo "$out" | awk '/^time for request:/{print $5"(max)"}')
  rss=$(rss_kib "$pid")
  local us_per_req; us_per_req=$(python3 -c "print('%.1f' % (($c1-$c0)*1e6/$HZ/max(1,int('${reqs:-0}' or 0))))")
  local errors; errors=$(echo "$out" | awk '/^requests:/{if ($10 != "0" || $12 != "0") print $10" failed, "$12" errored"}')
  echo "$name|$proxy|$rps|$p50|$p99|$us_per_req|$rss|$errors" >> "$RESULTS"
}

# both NAME PATH [wrk args...]: the scenario through nginx, then through defender.
both() {
  local name=$1 path=$2; shift 2
  run_wrk "$name" nginx "$NGX_MASTER" "http://127.0.0.1:$NGX_PORT$path" "$@"
  run_wrk "$name" defender "$OUR_PID" "http://127.0.0.1:$OUR_PORT$path" "$@"
}
for WRK_THREADS in $CLIENT_THREADS; do
  t="(wrk -t$WRK_THREADS)"
  both "GET small $t" /small
  both "GET 10 params $t" "/small$QUERY"
  both "GET 10 KiB page $t" /page10k
  both "POST 4 KiB form $t" /post -s "$WORK/form.lua"
  both "POST 16 KiB JSON $t" /post -s "$WORK/json.lua"
done
for path in small page10k; do
  name="h2c GET small"; [[ $path == page10k ]] && name="h2c GET 10 KiB page"
  run_h2 "$name" nginx "$NGX_MASTER" "http://127.0.0.1:$NGX_H2_PORT/$path"
  run_h2 "$name" defender "$OUR_PID" "http://127.0.0.1:$OUR_PORT/$path"
done

python3 - "$RESULTS" "$SECONDS_PER_RUN" "$CONNS" "$PROXY_THREADS" "$AFFINITY" <<'PY'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
by = {}
for name, proxy, rps, p50, p99, us, rss, errors in rows:
    by.setdefault(name, {})[proxy] = (rps, p50, p99, us, rss, errors)
print("cnaf benchmark: %s s per run, %s connections, %s proxy workers/threads%s, backend: nginx static" % (sys.argv[2], sys.argv[3], sys.argv[4], ", pinned to CPUs" if sys.argv[5] == "1" else ""))
print("%-28s %-9s %10s %10s %10s %10s %9s" % ("scenario", "proxy", "req/s", "p50", "p99", "CPU us/req", "RSS KiB"))
def f(x):
    try: return float(x)
    except ValueError: return None
for name, d in by.items():
    for proxy in ("nginx", "defender"):
        if proxy in d:
            rps, p50, p99, us, rss, errors = d[proxy]
            print("%-28s %-9s %10s %10s %10s %10s %9s %s" % (name, proxy, rps, p50, p99, us, rss, errors.strip()))
    if "nginx" in d and "defender" in d:
        a, b = d["defender"], d["nginx"]
        r = lambda i: ("%.2f" % (f(a[i]) / f(b[i]))) if f(a[i]) and f(b[i]) else "-"
        print("%-28s %-9s %10s %10s %10s %10s %9s" % ("", "ratio", r(0), "", "", r(3), r(4)))
PY

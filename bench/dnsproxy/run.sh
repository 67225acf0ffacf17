#!/bin/bash
# Side-by-side DNS filter benchmark (issue #3): dnsperf against `defender dns` and against
# dnsdist (a SuffixMatchNode of the same 100,000 names answering NXDOMAIN; no packet cache on
# either), each forwarding to NSD serving a test zone; 90% allowed / 10% denied names.
# Reports, per proxy: CPU time per answered query (utime+stime from /proc/PID/stat over the
# run: the stable figure on shared machines), qps, lost queries, resident memory and memory per
# denied name (RSS with the 100k list minus RSS with an empty list). Then a TCP run of ours
# (zero lost queries expected).
#
#   bench/dnsproxy/run.sh [DEFENDER_BIN] [SECONDS] [QPS]
# QPS: a fixed offered rate (same for both, so CPU per query compares like with like); 0: as
# fast as dnsperf goes. Everything runs on 127.0.0.1 with its own configs and pid files in a
# temp folder; only the processes started here are stopped.
# Diagnostics: THREADS=1 prints per-thread CPU ticks around each run; PERF_OUT=FILE records a
# perf profile of defender during its UDP run.
set -euo pipefail

BIN=${1:-build/app/defender}
SECONDS_PER_RUN=${2:-15}
QPS=${3:-20000}
DENIED=100000
ALLOWED=10000
QUERIES=200000

for tool in nsd dnsdist dnsperf python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/setup.sh --bench)"; exit 1; }
done
BIN=$(readlink -f "$BIN")
WORK=$(mktemp -d /tmp/dnsbench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NSD_PORT=$(free_port); OUR_PORT=$(free_port); DD_PORT=$(free_port); OUR_EMPTY_PORT=$(free_port); DD_EMPTY_PORT=$(free_port)

# --- data: zone, deny list, query file ---
python3 - "$WORK" $DENIED $ALLOWED $QUERIES <<'PY'
import random, sys
work, denied, allowed, queries = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(42)
words = ["ads", "track", "metric", "pixel", "beacon", "cdn", "stat", "log", "tag", "push"]
tlds = ["com", "net", "org", "io", "info", "biz"]
deny = []
for i in range(denied):
    deny.append(f"{rng.choice(words)}{i}.{rng.choice(words)}-{i % 977}.{rng.choice(tlds)}")
with open(f"{work}/blocklist.txt", "w") as f:
    f.write("\n".join(deny) + "\n")
with open(f"{work}/empty.txt", "w") as f:
    f.write("")
with open(f"{work}/bench.test.zone", "w") as f:
    f.write("$ORIGIN bench.test.\n$TTL 300\n@ IN SOA ns.bench.test. admin.bench.test. 1 3600 600 86400 60\n"
            "@ IN NS ns.bench.test.\nns IN A 127.0.0.1\n")
    for i in range(allowed):
        f.write(f"h{i} IN A 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n")
with open(f"{work}/queries.txt", "w") as f:
    for i in range(queries):
        if rng.random() < 0.10:
            name = rng.choice(deny)
            if rng.random() < 0.5:
                name = "www." + name  # under a denied name: denied too
        else:
            name = f"h{rng.randrange(allowed)}.bench.test"
        f.write(f"{name} A\n")
PY

# --- NSD upstream ---
cat > "$WORK/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSD_PORT
  port: $NSD_PORT
  zonesdir: "$WORK"
  database: ""
  zonelistfile: "$WORK/zone.list"
  pidfile: "$WORK/nsd.pid"
  xfrdfile: "$WORK/xfrd.state"
  xfrdir: "$WORK"
  logfile: "$WORK/nsd.log"
  username: ""
  chroot: ""
  server-count: 1
  rrl-ratelimit: 0
  verbosity: 0
remote-control:
  control-enable: no
zone:
  name: bench.test
  zonefile: "$WORK/bench.test.zone"
CONF
nsd -d -c "$WORK/nsd.conf" & PIDS+=($!)

# --- defender dns: full list, and an empty one (memory baseline) ---
for variant in full empty; do
  list=blocklist.txt; port=$OUR_PORT
  [ $variant = empty ] && { list=empty.txt; port=$OUR_EMPTY_PORT; }
  cat > "$WORK/policy-$variant.yaml" <<YAML
version: 1
app_id: bench
network:
  lists: [$list]
  blocked_answer: nxdomain
dns:
  timeout_ms: 2000
events:
  file: events-$variant.jsonl
YAML
  "$BIN" dns --policy "$WORK/policy-$variant.yaml" --data-folder "$WORK" --log-level warn \
    --listen 127.0.0.1:$port --upstream 127.0.0.1:$NSD_PORT 2>"$WORK/defender-$variant.err" & PIDS+=($!)
  [ $variant = full ] && OUR_PID=$! || OUR_EMPTY_PID=$!
done

# --- dnsdist: full list, and an empty one ---
for variant in full empty; do
  list=blocklist.txt; port=$DD_PORT
  [ $variant = empty ] && { list=empty.txt; port=$DD_EMPTY_PORT; }
  cat > "$WORK/dnsdist-$variant.conf" <<LUA
setSecurityPollSuffix("")
setLocal("127.0.0.1:$port")
newServer({address="127.0.0.1:$NSD_PORT", checkInterval=3600})
local smn = newSuffixMatchNode()
for line in io.lines("$WORK/$list") do
  if line ~= "" then smn:add(newDNSName(line)) end
end
addAction(SuffixMatchNodeRule(smn), RCodeAction(DNSRCode.NXDOMAIN))
LUA
  dnsdist --supervised --disable-syslog -C "$WORK/dnsdist-$variant.conf" >"$WORK/dnsdist-$variant.log" 2>&1 & PIDS+=($!)
  [ $variant = full ] && DD_PID=$! || DD_EMPTY_PID=$!
done

# Wait until all answer (loading 100k names takes a moment).
for port in $NSD_PORT $OUR_PORT $OUR_EMPTY_PORT $DD_PORT $DD_EMPTY_PORT; do
  for i in $(seq 1 200); do
    dig +time=1 +tries=1 @127.0.0.1 -p $port h1.bench.test A >/dev/null 2>&1 && break
    sleep 0.1
  done
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU ticks per thread, "name:ticks ..." (the comm field has no spaces for these programs)
thread_ticks() { for t in /proc/$1/task/*; do awk '{printf "%s:%d ", $2, $14 + $15}' "$t/stat"; done; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
TICK=$(getconf CLK_TCK)

# run NAME PID PORT MODE -> prints one line of figures
run() {
  local name=$1 pid=$2 port=$3 mode=$4 rate_flag=()
  [ "$QPS" != 0 ] && rate_flag=(-Q "$QPS")
  local before after out
  before=$(cpu_ticks "$pid")
  local threads_before; threads_before=$(thread_ticks "$pid")
  if [ -n "${PERF_OUT:-}" ] && [ "$name" = defender ] && [ "$mode" = udp ]; then
    perf record -F 2000 -g -p "$pid" -o "$PERF_OUT" -- sleep $((SECONDS_PER_RUN - 2)) >/dev/null 2>&1 &
  fi
  out=$(dnsperf -m "$mode" -s 127.0.0.1 -p "$port" -d "$WORK/queries.txt" -l "$SECONDS_PER_RUN" \
        -c 4 -q 200 "${rate_flag[@]}" 2>&1)
  after=$(cpu_ticks "$pid")
  [ -n "${THREADS:-}" ] && echo "  threads before: $threads_before" && echo "  threads after:  $(thread_ticks "$pid")"
  local completed lost qps
  completed=$(echo "$out" | awk '/Queries completed:/ {print $3}')
  lost=$(echo "$out" | awk '/Queries lost:/ {print $3}')
  qps=$(echo "$out" | awk '/Queries per second:/ {print $4}')
  local cpu_us
  cpu_us=$(python3 -c "print(f'{($after-$before)/$TICK*1e6/max($completed,1):.2f}')")
  printf "%-14s %-4s completed %9s  lost %6s  qps %10s  cpu/query %7s us  rss %7s kB\n" \
    "$name" "$mode" "$completed" "$lost" "$qps" "$cpu_us" "$(rss_kb "$pid")"
  echo "$cpu_us" > "$WORK/cpu-$name-$mode"
}

echo "# dnsperf ${SECONDS_PER_RUN}s per run, offered rate ${QPS} qps (0 = unlimited), $DENIED denied names, 90/10 allowed/denied"
run defender "$OUR_PID" "$OUR_PORT" udp
run dnsdist "$DD_PID" "$DD_PORT" udp
run defender "$OUR_PID" "$OUR_PORT" tcp
python3 - "$WORK" <<PY
import sys
w = sys.argv[1]
ours = float(open(f"{w}/cpu-defender-udp").read()); theirs = float(open(f"{w}/cpu-dnsdist-udp").read())
print(f"cpu/query ratio defender/dnsdist (udp): {ours/theirs:.2f}")
PY
for pair in "defender $OUR_PID $OUR_EMPTY_PID" "dnsdist $DD_PID $DD_EMPTY_PID"; do
  set -- $pair
  full=$(rss_kb "$2"); empty=$(rss_kb "$3")
  python3 -c "print(f'$1 memory: rss {$full} kB with the list, {$empty} kB without: {($full-$empty)*1024/$DENIED:.0f} bytes per denied name')"
done
grep -c '"type":"dns"' "$WORK/events-full.jsonl" | sed 's/^/defender dns events written (rate-limited per name): /'

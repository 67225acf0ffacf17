#!/usr/bin/env bash
# Supervisor figures (short runs; targets from issue #6):
#   exec overhead  execs/s of /bin/true, bare vs under `defender rasp` with a 50-rule process
#                  policy (denylist: seccomp check + post-exec check), and with an allowlist
#                  (seccomp + Landlock)                                   target <= 25%
#   start time     from `defender rasp` exec to the app's first instruction  target < 20 ms
#   memory         the defender's RSS with DNS and CNAF idle                 target < 20 MB
# Usage: bench/supervisor/run.sh [BUILD_DIR] [EXECS]. Root: runs in fresh namespaces for port 53.
set -euo pipefail
BUILD=${1:-build}
EXECS=${2:-2000}
DEFENDER=$(realpath "$BUILD/app/defender")
LOOP=$(realpath "$BUILD/bench/supervisor/bench_exec_loop")
PROBE=$(realpath "$BUILD/bench/supervisor/bench_start_probe")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export DATA_FOLDER=$WORK

{
  echo "version: 1"
  echo "processes:"
  echo "  default: allow"
  echo "  deny:"
  for i in $(seq 1 48); do echo "    - /opt/nothing/bin/tool$i"; done
  echo "    - \"**/xmrig\""
  echo "    - \"/usr/bin/nc.*\""
  echo "metrics: {listen: \"\"}"
} > "$WORK/deny50.yaml"
{
  echo "version: 1"
  echo "processes:"
  echo "  default: deny"
  echo "  allow:"
  for i in $(seq 1 48); do echo "    - /opt/nothing/bin/tool$i"; done
  echo "    - \"$(dirname "$LOOP")/*\""
  echo "    - /usr/bin/true"
  echo "metrics: {listen: \"\"}"
} > "$WORK/allow50.yaml"

RASP=("$DEFENDER" rasp --no-dns --no-cnaf --scan-interval-ms 0)
rate() { sed -n 's/.*per_second=\([0-9]*\).*/\1/p'; }
[[ -n "${SKIP_EXEC:-}" ]] || {
echo "== exec overhead ($EXECS execs of /bin/true each; best of 3)"
best() { local b=0 r; for _ in 1 2 3; do r=$("$@" 2>/dev/null | rate); ((r > b)) && b=$r; done; echo "$b"; }
bare=$(best "$LOOP" "$EXECS" /usr/bin/true)
deny=$(best "${RASP[@]}" --policy "$WORK/deny50.yaml" -- "$LOOP" "$EXECS" /usr/bin/true)
allow=$(best "${RASP[@]}" --policy "$WORK/allow50.yaml" -- "$LOOP" "$EXECS" /usr/bin/true)
echo "bare:                 $bare execs/s"
echo "rasp, 50-rule deny:   $deny execs/s  overhead $(( (bare - deny) * 100 / bare ))%"
echo "rasp, 50-rule allow:  $allow execs/s  overhead $(( (bare - allow) * 100 / bare ))% (seccomp + Landlock)"
}

echo "== start time (defender exec -> app start; median of 21)"
times=()
for _ in $(seq 21); do
  t0=$(date +%s%6N)
  t1=$("${RASP[@]}" --policy "$WORK/deny50.yaml" -- "$PROBE" 2>/dev/null | sed -n 's/started_us=//p')
  times+=($((t1 - t0)))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 11p)
echo "start: median $((median / 1000)).$(( (median % 1000) / 100 )) ms (includes fork+exec of the defender itself)"

echo "== memory (DNS + CNAF + metrics idle; in namespaces so that 127.0.0.1:53 is free)"
if [[ $(id -u) -eq 0 ]] && unshare --mount --pid --net --fork true 2>/dev/null; then
  printf 'nameserver 127.0.0.2\n' > "$WORK/resolv.conf"
  cat > "$WORK/full.yaml" <<POLICY
version: 1
network: {deny: [blocked.example]}
dns: {listen: 127.0.0.1:53}
cnaf: {listen: 127.0.0.1:8080, upstream: 127.0.0.1:8081}
metrics: {listen: 127.0.0.1:9464}
POLICY
  unshare --mount --pid --net --fork --mount-proc sh -c "
    ip link set lo up; mount --bind $WORK/resolv.conf /etc/resolv.conf
    mkdir -p $WORK/mem
    DATA_FOLDER=$WORK/mem $DEFENDER rasp --policy $WORK/full.yaml -- $PROBE sleep 3 >/dev/null 2>$WORK/rasp.err &
    pid=\$!
    sleep 1.5
    grep -E 'VmRSS|VmHWM' /proc/\$pid/status
    grep -o '\"dns\":\"[^\"]*\"\\|\"cnaf\":\"[^\"]*\"\\|\"metrics\":\"[^\"]*\"' $WORK/mem/events.jsonl | head -3
    wait"
else
  echo "skipped: needs root and unshare"
fi

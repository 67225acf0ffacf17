#!/usr/bin/env bash
# Runs inside fresh mount, PID and network namespaces (see scripts/demo.sh): nothing here
# touches the host's network or its /etc/resolv.conf.
set -euo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

mount --make-rprivate /
ip link set lo up
# This namespace's own resolv.conf, bind-mounted as a container runtime does.
printf 'nameserver 127.0.0.2\nsearch demo.internal\noptions ndots:1\n' > "$tmp/resolv.conf"
mount --bind "$tmp/resolv.conf" /etc/resolv.conf
python3 "$root/scripts/demo/fake_upstream_dns.py" 127.0.0.2 53 &
mkdir -p "$tmp/www" "$tmp/data"
echo "hello from the protected app" > "$tmp/www/index.html"

say "Starting: defender rasp --policy conf/default.yaml -- scripts/demo/app.sh"
DEMO_WWW="$tmp/www" "$bin" rasp --policy "$root/conf/default.yaml" --data-folder "$tmp/data" \
  --metrics-listen 127.0.0.1:9464 -- sh "$root/scripts/demo/app.sh" &
defender=$!
for _ in $(seq 100); do
  curl -s -o /dev/null http://127.0.0.1:8080/ && break
  sleep 0.1
done

say "resolv.conf now points at the defender's DNS filter:"
cat /etc/resolv.conf
say "Name lookups from inside (allowed, then denied by network.deny):"
getent hosts example.org || echo "example.org: no answer"
getent hosts pastebin.com || echo "pastebin.com: not found (NXDOMAIN from the defender)"
getent hosts pool.supportxmr.com || echo "pool.supportxmr.com: not found (NXDOMAIN from the defender)"

say "HTTP through CNAF (port 8080 -> app on 8081):"
printf 'GET /                          -> '; curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:8080/
printf "GET /?id=1' OR '1'='1          -> "; curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:8080/?id=1%27%20OR%20%271%27%3D%271"
printf 'GET /?q=<script>alert(1)</script> -> '; curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:8080/?q=%3Cscript%3Ealert(1)%3C/script%3E"
printf 'GET /../../etc/passwd          -> '; curl -s -o /dev/null -w '%{http_code}\n' --path-as-is "http://127.0.0.1:8080/static/..%2f..%2f..%2fetc/passwd"
printf 'GET /cgi-bin/x (shellshock)    -> '; curl -s -o /dev/null -w '%{http_code}\n' -H 'User-Agent: () { :; }; /bin/cat /etc/passwd' http://127.0.0.1:8080/cgi-bin/x
printf 'DELETE /items/7 (method)       -> '; curl -s -X DELETE -o /dev/null -w '%{http_code}\n' http://127.0.0.1:8080/items/7
printf 'HTTP/2 (h2c) GET /             -> '; curl -s --http2-prior-knowledge -o /dev/null -w '%{http_version} %{http_code}\n' http://127.0.0.1:8080/
printf "HTTP/2 (h2c) GET /?id=1' OR 1=1 -> "; curl -s --http2-prior-knowledge -o /dev/null -w '%{http_version} %{http_code}\n' "http://127.0.0.1:8080/?id=1%27%20OR%201%3D1"

say "Health and a few metrics:"
curl -s http://127.0.0.1:9464/healthz; echo
curl -s http://127.0.0.1:9464/metrics | grep -E '^defender_' | head -12 || true

say "Stopping with SIGTERM (as 'docker stop' does):"
kill -TERM "$defender"
status=0
wait "$defender" || status=$?
echo "defender exited with status $status"
say "resolv.conf restored:"
cat /etc/resolv.conf
say "The events it wrote ($tmp/data/events.jsonl), one JSON object a line:"
if command -v python3 >/dev/null; then
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    rule = e.get("rule") or "-"
    print("%-8s %-8s %-30s %s" % (e["type"], e["action"], rule, e["message"][:90]))
' "$tmp/data/events.jsonl"
fi
rm -rf "$tmp"

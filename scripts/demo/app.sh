#!/bin/sh
# The demo's "app": a web server on 127.0.0.1:8081 (CNAF fronts it on :8080) that, like a
# compromised app would, also tries to run a few things. Runs under `defender rasp`.
echo "app: starting the web server on 127.0.0.1:8081"
python3 -m http.server 8081 --bind 127.0.0.1 --directory "${DEMO_WWW:-/tmp}" >/dev/null 2>&1 &
cp /bin/true /tmp/payload 2>/dev/null
for cmd in "ls /" "/tmp/payload" "nc -h" "socat -h"; do
  if $cmd >/dev/null 2>&1; then echo "app: '$cmd' ran"; else echo "app: '$cmd' was refused or failed ($?)"; fi
done
wait

#!/usr/bin/env bash
# Load time of a policy whose network list file holds N names (default 1,000,000), through the
# real binary: `defender policy check` reads the policy, parses the list and builds the matcher.
#   bench/policy/list_load.sh BUILD_DIR [N]
set -euo pipefail
build=${1:?usage: bench/policy/list_load.sh BUILD_DIR [N]}
n=${2:-1000000}
bin="$build/app/defender"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$n" "$tmp/list.txt" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
tlds = ["com", "net", "org", "io", "de", "ru", "cn", "info", "xyz", "top"]
seen = set()
with open(path, "w") as f:
    while len(seen) < n:
        labels = [''.join(rng.choice(alphabet) for _ in range(rng.randint(4, 12)))
                  for _ in range(rng.randint(1, 2))]
        name = '.'.join(labels) + '.' + rng.choice(tlds)
        if name in seen:
            continue
        seen.add(name)
        f.write(("0.0.0.0 " if len(seen) % 2 else "") + name + "\n")  # half in hosts-file form
PY
printf 'network:\n  lists: [list.txt]\n' > "$tmp/policy.yaml"
echo "# $n names ($(du -h "$tmp/list.txt" | cut -f1) list file); 3 runs of 'defender policy check'"
for _ in 1 2 3; do
  /usr/bin/time -f "load: %e s wall, %U s user, max RSS %M KB" "$bin" policy check "$tmp/policy.yaml" >/dev/null
done

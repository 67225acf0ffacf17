#!/usr/bin/env python3
"""Side-by-side table: detection (attack records blocked) and false positives (benign records
blocked) per source and category, for each peer measured by replay.py (--json-summary files,
e.g. from crs_compare.sh) and for CNAF measured offline by waf_eval (its printed table).

  side_by_side.py --peer crs-pl1=crs1.json --peer crs-pl2=crs2.json --waf-eval eval.txt

waf_eval splits CRS records by paranoia level ("sqli(pl2)"); they are summed back here.
Standard library only.
"""
import argparse
import collections
import json
import re

SOURCES = {"benign-real-dev.jsonl": "benign-real", "crs.jsonl": "crs", "gotestwaf.jsonl": "gotestwaf",
           "httpparams-dev.jsonl": "httpparams", "libinjection.jsonl": "libinjection"}


def load_peer(path):
    d = json.load(open(path))
    out = {}
    for g in d["groups"]:
        if g["category"] == "*ALL*" or g["source"] == "*ALL*":
            continue
        out[(g["source"], g["category"])] = (g["attack"], g["attack_blocked"], g["benign"], g["benign_blocked"])
    return out


def load_eval(path):
    acc = collections.defaultdict(lambda: [0, 0, 0, 0])
    for line in open(path):
        parts = line.split()
        if len(parts) != 6 or parts[0] not in SOURCES:
            continue
        src = SOURCES[parts[0]]
        cat = re.sub(r"\(pl\d\)$", "", parts[2])
        n, blocked = int(parts[3]), int(parts[4])
        a = acc[(src, cat)]
        if parts[1] == "attack":
            a[0] += n
            a[1] += blocked
        else:
            a[2] += n
            a[3] += blocked
    return {k: tuple(v) for k, v in acc.items()}


def pct(n, d):
    return "%5.1f" % (100.0 * n / d) if d else "    -"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", action="append", default=[], help="NAME=replay-summary.json")
    ap.add_argument("--waf-eval", help="waf_eval output (CNAF offline)")
    a = ap.parse_args()
    peers = []
    for p in a.peer:
        name, path = p.split("=", 1)
        peers.append((name, load_peer(path)))
    if a.waf_eval:
        peers.append(("cnaf", load_eval(a.waf_eval)))
    keys = sorted(set(k for _, d in peers for k in d))
    head = "%-13s %-17s" % ("source", "category") + "".join(" %12s" % n for n, _ in peers)
    print("detection (% of attack records blocked); false positives (% of benign blocked) marked FP")
    print(head)
    for k in keys:
        for kind in ("attack", "benign"):
            cells = []
            any_n = False
            for _, d in peers:
                v = d.get(k)
                if not v:
                    cells.append("%12s" % "")
                    continue
                n, b = (v[0], v[1]) if kind == "attack" else (v[2], v[3])
                any_n |= n > 0
                cells.append("%12s" % (pct(b, n) + (" FP" if kind == "benign" else "   ") if n else ""))
            if any_n:
                print("%-13s %-17s" % (k[0], k[1] + ("" if kind == "attack" else " (benign)")) + " ".join(cells))


if __name__ == "__main__":
    main()

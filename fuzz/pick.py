#!/usr/bin/env python3
"""Picks a small corpus that keeps most of a fuzz corpus's edge coverage.

`cargo fuzz cmin` keeps every input that adds a feature (hundreds of files here, mostly Unicode
table branches); this keeps at most N, greedily by new edges, from a libFuzzer merge control
file, and copies them (named by content hash) into the checked-in corpus directory:

    B=target/x86_64-unknown-linux-gnu/release/TARGET
    $B -merge=1 -use_counters=0 -merge_control_file=/tmp/ctl /tmp/merged corpus/TARGET corpus-raw/TARGET
    python3 pick.py /tmp/ctl corpus/TARGET 40
"""
import hashlib, os, shutil, sys


def main():
    control, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(control) as fh:
        lines = fh.read().splitlines()
    count = int(lines[0])
    files = lines[2:2 + count]
    cov = {}
    for line in lines[2 + count:]:
        parts = line.split()
        if parts and parts[0] == "COV":
            cov[int(parts[1])] = set(parts[2:])
    total = set().union(*cov.values()) if cov else set()
    have, picked = set(), []
    while len(picked) < n:
        best = max(cov, key=lambda i: (len(cov[i] - have), -os.path.getsize(files[i])), default=None)
        if best is None or not cov[best] - have:
            break
        have |= cov.pop(best)
        picked.append(files[best])
    os.makedirs(out, exist_ok=True)
    kept = {os.path.basename(p) for p in picked}
    for p in picked:
        name = os.path.basename(p)
        if not name.startswith(("seed-", "crash-")):
            name = hashlib.sha1(open(p, "rb").read()).hexdigest()[:16]
        if os.path.abspath(os.path.dirname(p)) != os.path.abspath(out) or name not in kept:
            shutil.copy(p, os.path.join(out, name))
    print(f"{len(picked)} files keep {len(have)} of {len(total)} edges")


if __name__ == "__main__":
    main()

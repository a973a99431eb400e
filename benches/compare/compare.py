#!/usr/bin/env python3
"""Runs the peers (bench.py, as is) and neardup alternately and prints medians; see run.sh.

Every run is a fresh process. Peak RSS is that process's own ru_maxrss (os.wait4), wall time is
measured around it. Standard library only.

bench.py's --out file is JSON Lines with a `kind` on each line (`meta`, `shingle`, `peer`,
`run`); only the `peer` lines are read (one per peer: its stage medians and `e2e`, text to
candidates), plus the `shingle` line for the shared Python shingling time that `e2e` includes.
`gaoya_text` is gaoya on its own tokenizer: its e2e is its total (it pays no shared shingling).

    compare.py --report runs.jsonl --threads "1 2"   # print the report of an earlier run again
"""
import argparse, json, os, statistics, subprocess, sys, time

DEFAULT_PEERS = "datasketch,rensa,gaoya,fastsketchlsh,gaoya_text"
NEARDUP = ("neardup", "neardup-cli")


def run_rss(cmd, env=None, stdout=subprocess.DEVNULL):
    """Like run, but reaps the child itself so its own peak RSS is known."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    err = p.stderr.read().decode(errors="replace")
    if status != 0:
        sys.exit(f"{' '.join(cmd)} failed (status {status}):\n{err}")
    return wall, ru.ru_maxrss / 1024, err


def read_peers(path):
    """The `peer` lines of one bench.py --out file, each given the shared shingling time."""
    peers, shingle, skipped, docs = [], None, {}, None
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            kind = row.get("kind")
            if kind is None:
                sys.exit(f"{path}:{n}: no `kind`: not bench.py's JSON Lines --out format")
            if kind == "meta":
                skipped = row.get("skipped") or {}
                docs = row.get("docs")
            elif kind == "shingle":
                shingle = row.get("median")
            elif kind == "peer":
                if "e2e" not in row:
                    sys.exit(f"{path}:{n}: peer line without `e2e`")
                peers.append(row)
    if not peers:
        sys.exit(f"{path}: no `peer` line (bench.py ran no peer)")
    for peer, why in skipped.items():
        print(f"  bench.py skipped {peer}: {why}", file=sys.stderr)
    for p in peers:
        # gaoya_text shingles inside its own `sign`: no shared shingling in its e2e.
        p["shingle"] = 0.0 if p.get("own_shingling") else shingle
        p["docs"] = docs
        del p["kind"]
    return peers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus")
    ap.add_argument("--out")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", default="1 2")
    ap.add_argument("--peers", default=DEFAULT_PEERS, help="bench.py --peers")
    ap.add_argument("--python")
    ap.add_argument("--bench-py")
    ap.add_argument("--compare")
    ap.add_argument("--cli")
    ap.add_argument("--report", help="print the report of an earlier run's runs.jsonl, run nothing")
    a = ap.parse_args()
    if a.report:
        with open(a.report) as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        a.repeats = len({x["repeat"] for x in rows})
        report(rows, a)
        return
    for need in ("corpus", "out", "python", "bench_py", "compare"):
        if getattr(a, need) is None:
            ap.error(f"--{need.replace('_', '-')} is required (or --report)")
    rows = []
    raw = open(os.path.join(a.out, "runs.jsonl"), "w")

    def keep(row):
        rows.append(row)
        raw.write(json.dumps(row) + "\n")
        raw.flush()

    for r in range(a.repeats):
        for t in [int(x) for x in a.threads.split()]:
            env = dict(os.environ, RAYON_NUM_THREADS=str(t), OMP_NUM_THREADS=str(t))
            peers_out = os.path.join(a.out, f"peers_t{t}_r{r}.jsonl")
            cmd = [a.python, a.bench_py, "--input", a.corpus, "--repeats", "1", "--threads", str(t),
                   "--peers", a.peers, "--out", peers_out]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            for row in read_peers(peers_out):
                keep(dict(row, threads=t, repeat=r))
            wall, rss, _ = run_rss([a.compare, a.corpus, "--threads", str(t)], env=env,
                                   stdout=open(os.path.join(a.out, "nd.json"), "w"))
            with open(os.path.join(a.out, "nd.json")) as fh:
                row = json.loads(fh.read())
            row.update(threads=t, repeat=r, e2e=row["total"], process_wall=wall, process_rss_mb=rss)
            keep(row)
            if a.cli:
                cmd = [a.cli, "cluster", "--preset", "near-duplicate", a.corpus]
                wall, rss, _ = run_rss(cmd, env=env)
                keep({"peer": "neardup-cli", "threads": t, "repeat": r, "process_wall": wall,
                      "total": wall, "e2e": wall, "rss_mb": rss})
            print(f"  repeat {r + 1}, {t} thread(s) done", file=sys.stderr)
    report(rows, a)


def med(rows, key):
    vals = [x[key] for x in rows if x.get(key) is not None]
    return statistics.median(vals) if vals else float("nan")


def fastest_peer(at):
    """The peer with the smallest median e2e among the rows `at` (neardup excluded)."""
    peers = {x["peer"] for x in at if x["peer"] not in NEARDUP}
    return min(peers, key=lambda p: med([x for x in at if x["peer"] == p], "e2e"), default=None)


def same_run_ratio(at, peer, nd_peer, nd_key):
    """Median over repeats of peer e2e ÷ neardup's `nd_key`, each pair measured in one repeat."""
    ratios = []
    for r in sorted({x["repeat"] for x in at}):
        p = [x["e2e"] for x in at if x["repeat"] == r and x["peer"] == peer]
        n = [x[nd_key] for x in at if x["repeat"] == r and x["peer"] == nd_peer and x.get(nd_key)]
        if p and n:
            ratios.append(p[0] / n[0])
    return statistics.median(ratios) if ratios else float("nan")


def report(rows, a):
    docs = next((x["docs"] for x in rows if x.get("docs")), 0)
    for t in [int(x) for x in a.threads.split()]:
        at = [x for x in rows if x["threads"] == t]
        if not at:
            continue
        peers = sorted({x["peer"] for x in at} - {"neardup-cli"},
                       key=lambda p: med([x for x in at if x["peer"] == p], "e2e"))
        nd = [x for x in at if x["peer"] == "neardup"]
        nd_e2e = med(nd, "e2e")
        print(f"\n### {t} thread(s): {docs} documents, k=128, t=0.8, word 5-grams; median of {a.repeats} runs (s)\n")
        print("| peer | shingle | sign | index | query | total | e2e (text → candidates) | e2e ÷ neardup's | peak RSS MB | pairs |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for p in peers:
            pr = [x for x in at if x["peer"] == p]
            e2e = med(pr, "e2e")
            rss = max(x.get("process_rss_mb", x.get("rss_mb", 0)) for x in pr)
            # neardup's separate shingling pass is part of its sign: shown, not added.
            sh = f"({med(pr, 'shingle'):.3f})" if p == "neardup" else f"{med(pr, 'shingle'):.3f}"
            name = p + (" (own tokenizer)" if pr[0].get("own_shingling") else "")
            print(f"| {name} | {sh} | {med(pr, 'sign'):.3f} | {med(pr, 'index'):.3f} | "
                  f"{med(pr, 'query'):.3f} | {med(pr, 'total'):.3f} | {e2e:.3f} | {e2e / nd_e2e:.1f}× | "
                  f"{rss:.0f} | {pr[0].get('pairs', '')} |")
        if nd:
            print("\nneardup stages (median s): " + ", ".join(
                f"{k} {med(nd, k):.3f}" for k in
                ("read", "floor", "shingle", "minhash", "sign", "index", "verify", "cluster", "e2e_full")))
            print(f"neardup: whole stage-timer process {med(nd, 'process_wall'):.3f} s wall, peak RSS "
                  f"{max(x['process_rss_mb'] for x in nd):.0f} MB ({med(nd, 'rss_mb'):.0f} MB after read → cluster "
                  f"= {med(nd, 'rss_mb') * 1e6 / docs / 1e3:.1f} kB per document); features hold "
                  f"{med(nd, 'signature_bytes_per_doc'):.0f} B signature + {med(nd, 'set_bytes_per_doc'):.0f} B "
                  f"shingle set per document")
        fastest = fastest_peer(at)
        if fastest and nd:
            print(f"fastest peer {fastest}: e2e {med([x for x in at if x['peer'] == fastest], 'e2e'):.3f} s "
                  f"÷ neardup e2e {nd_e2e:.3f} s = {same_run_ratio(at, fastest, 'neardup', 'e2e'):.2f}× "
                  f"(median of per-repeat ratios)")
        cli = [x for x in at if x["peer"] == "neardup-cli"]
        if cli:
            print(f"`neardup cluster --preset near-duplicate` whole process: {med(cli, 'process_wall'):.3f} s "
                  f"wall, peak RSS {max(x['rss_mb'] for x in cli):.0f} MB")
            if fastest:
                print(f"fastest peer {fastest} e2e ÷ CLI process = "
                      f"{same_run_ratio(at, fastest, 'neardup-cli', 'process_wall'):.2f}× "
                      f"(median of per-repeat ratios; target ≥ 2×)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs the peers (bench.py, as is) and neardup alternately and prints medians; see run.sh.

Every run is a fresh process. Peak RSS is that process's own ru_maxrss (os.wait4), wall time is
measured around it. Standard library only.
"""
import argparse, json, os, statistics, subprocess, sys, time


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", default="1 2")
    ap.add_argument("--python", required=True)
    ap.add_argument("--bench-py", required=True)
    ap.add_argument("--compare", required=True)
    ap.add_argument("--cli")
    a = ap.parse_args()
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
                   "--out", peers_out]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            with open(peers_out) as fh:
                for line in fh:
                    keep(dict(json.loads(line), threads=t, repeat=r))
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
    vals = [x[key] for x in rows if key in x]
    return statistics.median(vals) if vals else float("nan")


def report(rows, a):
    docs = next((x["docs"] for x in rows if x["peer"] == "neardup"), 0)
    for t in [int(x) for x in a.threads.split()]:
        at = [x for x in rows if x["threads"] == t]
        peers = sorted({x["peer"] for x in at}, key=lambda p: med([x for x in at if x["peer"] == p], "e2e"))
        nd = [x for x in at if x["peer"] == "neardup"]
        nd_e2e = med(nd, "e2e")
        print(f"\n### {t} thread(s): {docs} documents, k=128, t=0.8, word 5-grams; median of {a.repeats} runs (s)\n")
        print("| peer | shingle | sign | index | query | total | e2e (text → candidates) | e2e ÷ neardup's | peak RSS MB | pairs |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for p in peers:
            pr = [x for x in at if x["peer"] == p]
            if p == "neardup-cli":
                continue
            e2e = med(pr, "e2e") if p == "neardup" else med(pr, "total") + med(pr, "shingle")
            rss = max(x.get("process_rss_mb", x.get("rss_mb", 0)) for x in pr)
            # neardup's separate shingling pass is part of its sign: shown, not added.
            sh = f"({med(pr, 'shingle'):.3f})" if p == "neardup" else f"{med(pr, 'shingle'):.3f}"
            print(f"| {p} | {sh} | {med(pr, 'sign'):.3f} | {med(pr, 'index'):.3f} | "
                  f"{med(pr, 'query'):.3f} | {med(pr, 'total'):.3f} | {e2e:.3f} | {e2e / nd_e2e:.1f}× | "
                  f"{rss:.0f} | {pr[0].get('pairs', '')} |")
        print("\nneardup stages (median s): " + ", ".join(
            f"{k} {med(nd, k):.3f}" for k in
            ("read", "floor", "shingle", "minhash", "sign", "index", "verify", "cluster", "e2e_full")))
        print(f"neardup: whole stage-timer process {med(nd, 'process_wall'):.3f} s wall, peak RSS "
              f"{max(x['process_rss_mb'] for x in nd):.0f} MB ({med(nd, 'rss_mb'):.0f} MB after read → cluster "
              f"= {med(nd, 'rss_mb') * 1e6 / docs / 1e3:.1f} kB per document); features hold "
              f"{med(nd, 'signature_bytes_per_doc'):.0f} B signature + {med(nd, 'set_bytes_per_doc'):.0f} B "
              f"shingle set per document")
        cli = [x for x in at if x["peer"] == "neardup-cli"]
        if cli:
            print(f"`neardup cluster --preset near-duplicate` whole process: {med(cli, 'process_wall'):.3f} s "
                  f"wall, peak RSS {max(x['rss_mb'] for x in cli):.0f} MB")
            fastest = min((p for p in peers if p not in ("neardup", "neardup-cli")),
                          key=lambda p: med([x for x in at if x["peer"] == p], "total")
                          + med([x for x in at if x["peer"] == p], "shingle"), default=None)
            if fastest:
                fr = [x for x in at if x["peer"] == fastest]
                fe = med(fr, "total") + med(fr, "shingle")
                print(f"fastest peer {fastest} e2e {fe:.3f} s ÷ CLI process {med(cli, 'process_wall'):.3f} s "
                      f"= {fe / med(cli, 'process_wall'):.2f}× (target ≥ 2×)")


if __name__ == "__main__":
    main()

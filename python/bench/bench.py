#!/usr/bin/env python3
"""neardup from Python against the Python peers, on one corpus, in one run.

    python python/bench/bench.py [--input reuters.jsonl] [--repeats 5]
        [--peers rensa,gaoya,fastsketchlsh,gaoya_text] [--preset near-duplicate] [--out FILE.json]

Run it with the interpreter where `neardup` is installed (`pip install ./python`). The peers
run in their own venv (`bash /work/shared/tools/peers/setup.sh` makes /tmp/peers-venv; or
--peers-python), driven by the peers' harness (--peers-bench), whose `peer` lines give each
peer's `e2e` (shared Python shingling + sign + index + query: text to candidate pairs; gaoya_text
shingles itself) and `total` (sign + index + query on pre-made shingles).

neardup is timed from text to labels: `neardup.cluster(texts, preset=...)`, which shingles,
signs, bands, verifies every candidate pair exactly and clusters. Each repeat runs in a fresh
subprocess; half of neardup's repeats run before the peers and half after, so drift on a noisy
machine hits both. Reported: median and min seconds, peak RSS of the worker (ru_maxrss) and the
RSS after loading the texts; then the ratios of the fastest peer's median e2e, and of rensa's
median `total`, to neardup's median.

Without --input, Reuters-21578 is exported with `cargo run --release --example export_jsonl`
from $NEARDUP_REUTERS (or the directory the example finds).
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[2]
PEERS_BENCH = pathlib.Path(os.environ.get("PEERS_BENCH", "/work/shared/tools/peers/bench.py"))

WORKER = r"""
import json, resource, sys, time
path, preset = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    texts = [json.loads(line)["text"] for line in f if line.strip()]
import neardup
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t, cpu = time.perf_counter(), time.process_time()
labels = neardup.cluster(texts, preset=preset)
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "cpu_s": cpu, "rss_mb": peak, "rss_base_mb": base, "docs": len(texts),
                  "clusters": len(set(labels))}))
"""


def neardup_run(path, preset):
    out = subprocess.run([sys.executable, "-c", WORKER, str(path), preset],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def export_reuters(dest):
    cmd = ["cargo", "run", "--release", "--quiet", "--example", "export_jsonl"]
    if os.environ.get("NEARDUP_REUTERS"):
        cmd += ["--", os.environ["NEARDUP_REUTERS"]]
    with open(dest, "wb") as f:
        subprocess.run(cmd, cwd=REPO, stdout=f, check=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", help="JSON Lines corpus (default: Reuters-21578, exported)")
    p.add_argument("--repeats", type=int, default=5, help="runs of neardup and of each peer")
    p.add_argument("--peers", default="rensa,gaoya,fastsketchlsh,gaoya_text",
                   help="peers for the harness (datasketch is pure Python and slow)")
    p.add_argument("--peers-python", default=os.environ.get("PEERS_PYTHON", "/tmp/peers-venv/bin/python"))
    p.add_argument("--peers-bench", default=str(PEERS_BENCH))
    p.add_argument("--preset", default="near-duplicate")
    p.add_argument("--out", help="write the summary as JSON here")
    a = p.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="neardup-bench-")
    corpus = pathlib.Path(a.input) if a.input else pathlib.Path(tmp.name) / "reuters.jsonl"
    if not a.input:
        export_reuters(corpus)

    first = a.repeats // 2
    runs = [neardup_run(corpus, a.preset) for _ in range(first)]
    peers_out = pathlib.Path(tmp.name) / "peers.jsonl"
    subprocess.run([a.peers_python, a.peers_bench, "--input", str(corpus), "--peers", a.peers,
                    "--repeats", str(a.repeats), "--out", str(peers_out)], check=True,
                   stdout=sys.stderr)
    runs += [neardup_run(corpus, a.preset) for _ in range(a.repeats - first)]

    peers = [json.loads(line) for line in peers_out.read_text().splitlines() if line.strip()]
    peers = [r for r in peers if r.get("kind") == "peer" and "e2e" in r]
    if not peers:
        sys.exit("no peer ran: run `bash /work/shared/tools/peers/setup.sh` first")
    seconds = [r["seconds"] for r in runs]
    mine = {
        "median_s": statistics.median(seconds),
        "min_s": min(seconds),
        "cpu_per_wall": statistics.median(r["cpu_s"] / r["seconds"] for r in runs),
        "rss_mb": max(r["rss_mb"] for r in runs),
        "rss_base_mb": max(r["rss_base_mb"] for r in runs),
        "docs": runs[0]["docs"],
        "clusters": runs[0]["clusters"],
    }
    e2e = {r["peer"]: median_of(r["e2e"]) for r in peers}
    fastest = min(e2e, key=e2e.get)
    rensa = next((r for r in peers if r["peer"] == "rensa"), None)
    summary = {
        "corpus": str(corpus if a.input else "Reuters-21578"),
        "preset": a.preset,
        "repeats": a.repeats,
        "neardup": mine,
        "peers": {r["peer"]: {"e2e_s": e2e[r["peer"]], "total_s": median_of(r["total"]),
                              "rss_mb": r.get("rss_mb")} for r in peers},
        "fastest_peer": fastest,
        "ratio_vs_fastest_e2e": e2e[fastest] / mine["median_s"],
        "ratio_vs_rensa_total": median_of(rensa["total"]) / mine["median_s"] if rensa else None,
    }

    print(f"\n{mine['docs']} documents, {a.repeats} repeats each, medians (min)")
    print(f"{'':<14}{'seconds':>10}{'peak RSS MB':>14}")
    print(f"{'neardup':<14}{mine['median_s']:>10.3f}{mine['rss_mb']:>14.0f}   "
          f"text -> labels, preset {a.preset} ({mine['clusters']} clusters; "
          f"CPU/wall {100 * mine['cpu_per_wall']:.0f}%; "
          f"RSS {mine['rss_base_mb']:.0f} MB after loading the texts)")
    for name, r in summary["peers"].items():
        rss = f"{r['rss_mb']:.0f}" if r["rss_mb"] is not None else "?"
        print(f"{name:<14}{r['e2e_s']:>10.3f}{rss:>14}   text -> candidates (core alone {r['total_s']:.3f})")
    print(f"\nneardup vs the fastest peer ({fastest}, e2e): {summary['ratio_vs_fastest_e2e']:.2f}x faster")
    if rensa:
        print(f"neardup vs rensa's core alone (total, pre-shingled): {summary['ratio_vs_rensa_total']:.2f}x")
    if a.out:
        pathlib.Path(a.out).write_text(json.dumps(summary, indent=2) + "\n")


def median_of(stage):
    """A harness stage value: a number, or a dict with a median."""
    if isinstance(stage, dict):
        return stage.get("median", stage.get("med"))
    return stage


if __name__ == "__main__":
    main()

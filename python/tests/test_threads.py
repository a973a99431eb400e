"""Threads: concurrent calls agree with serial ones, and long calls release the GIL."""

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import neardup
from conftest import synthetic


def test_four_threads_at_once_match_serial(corpus, seeds):
    hasher = neardup.MinHasher()
    clusterer = neardup.Clusterer("rewrite")
    jobs = [
        lambda: neardup.cluster(corpus),
        lambda: neardup.cluster(corpus, preset="rewrite"),
        lambda: [c.members for c in clusterer.cluster(corpus + seeds)],
        lambda: hasher.sign(corpus).tolist(),
    ]
    serial = [job() for job in jobs]
    barrier = threading.Barrier(4)

    def run(job):
        barrier.wait()
        return [job() for _ in range(3)]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, jobs))
    for expected, got in zip(serial, results):
        assert got == [expected] * 3


def test_shared_index_under_four_threads(corpus):
    index = neardup.Index()
    for i, text in enumerate(corpus[:400]):
        index.insert(str(i), text, i)
    expected = [(q.cluster, q.neighbours) for q in map(index.query, corpus)]
    barrier = threading.Barrier(4)

    def run(_):
        barrier.wait()
        return [(q.cluster, q.neighbours) for q in map(index.query, corpus)]

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(run, range(4))) == [expected] * 4

    # Concurrent inserts of distinct ids: every one lands, none twice.
    def insert(k):
        barrier.wait()
        for i in range(400 + k, len(corpus), 4):
            index.insert(str(i), corpus[i], i)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(insert, range(4)))
    assert len(index) == len(corpus)


def test_other_threads_run_during_a_long_cluster_call():
    texts = synthetic(4000, 2, words=200)
    window = {}

    def work():
        window["start"] = time.perf_counter()
        neardup.cluster(texts)
        window["end"] = time.perf_counter()

    worker = threading.Thread(target=work)
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())  # pure Python: runs only while it has the GIL
    worker.join()
    inside = [t for t in ticks if window["start"] < t < window["end"]]
    duration = window["end"] - window["start"]
    assert duration > 0.05, "the call was too short to tell"
    # Holding the GIL for the whole call would leave (next to) no tick inside it.
    assert len(inside) > 1000, (len(inside), duration)
    assert inside[-1] - inside[0] > 0.8 * duration


def test_labels_do_not_depend_on_the_thread_count(tmp_path, corpus, seeds):
    texts = corpus + seeds + ["Ünïcödé text, 東京の記事 " * 20, "Ünïcödé text, 東京の記事 " * 20 + "!"]
    path = tmp_path / "texts.json"
    path.write_text(json.dumps(texts), encoding="utf-8")
    code = (
        "import json, sys, neardup; t = json.load(open(sys.argv[1], encoding='utf-8')); "
        "print(json.dumps([neardup.cluster(t), neardup.cluster(t, preset='rewrite'), "
        "neardup.MinHasher().sign(t).tolist()]))"
    )
    runs = []
    for threads in ("1", "3"):
        env = {**os.environ, "RAYON_NUM_THREADS": threads}
        out = subprocess.run([sys.executable, "-c", code, str(path)], env=env,
                             capture_output=True, text=True, check=True).stdout
        runs.append(json.loads(out))
    assert runs[0] == runs[1]
    assert runs[0][0] == neardup.cluster(texts)
    assert runs[0][0][-1] == len(texts) - 2  # the two unicode near-copies are one cluster

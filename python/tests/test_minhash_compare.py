"""MinHasher, jaccard and compare (against the CLI's `compare --json`)."""

import json
import subprocess

import numpy as np

import neardup

A = "The central bank raised interest rates by half a point on Tuesday, citing inflation."
B = "The central bank raised interest rates by half a point on Tuesday, citing inflation!"
C = "A new species of frog was found in the rainforests of northern Peru this spring."


def test_sign_shapes_and_determinism(corpus):
    hasher = neardup.MinHasher(num_perm=64, seed=5)
    sigs = hasher.sign(corpus)
    assert sigs.shape == (len(corpus), 64) and sigs.dtype == np.uint32
    assert np.array_equal(sigs, neardup.MinHasher(64, 5).sign(np.array(corpus)))
    assert not np.array_equal(sigs, neardup.MinHasher(64, 6).sign(corpus))
    assert hasher.sign([]).shape == (0, 64)
    assert (hasher.num_perm, hasher.seed) == (64, 5) and "64" in repr(hasher)
    # An empty text signs the empty set.
    assert (hasher.sign([""]) == np.iinfo(np.uint32).max).all()


def test_jaccard_estimates():
    sigs = neardup.MinHasher().sign([A, B, C, ""])
    assert neardup.jaccard(sigs[0], sigs[1]) == 1.0
    assert neardup.jaccard(sigs[0], sigs[2]) < 0.2
    assert neardup.jaccard(sigs[3], sigs[3]) == 0.0  # the empty set is similar to nothing
    rows = neardup.jaccard(sigs, sigs[[1, 0, 0, 3]])
    assert rows.dtype == np.float64 and rows.tolist() == [1.0, 1.0, neardup.jaccard(sigs[2], sigs[0]), 0.0]


def test_compare_matches_its_own_estimate_and_the_minhasher():
    d = neardup.compare(A, C, num_perm=64, seed=3, shingle="words:2")
    sigs = neardup.MinHasher(64, 3, shingle="words:2").sign([A, C])
    assert d["jaccard_estimated"] == neardup.jaccard(sigs[0], sigs[1])
    assert d["shingles"] == "words:2" and d["num_perm"] == 64 and d["seed"] == 3
    assert neardup.compare(A, B)["presets"]["near-duplicate"]["joined"] is True


def test_compare_equals_the_cli(cli, seeds):
    cases = [
        ((A, B), {}, []),
        ((A, C), {"num_perm": 64, "seed": 7, "shingle": "chars:4"}, ["--num-perm", "64", "--seed", "7", "--shingle", "chars:4"]),
        ((seeds[0], seeds[1]), {"drop_stop_words": True}, ["--stop-words", "drop"]),
        ((seeds[2], seeds[3]), {}, []),
        (("", A), {}, []),
    ]
    for (a, b), kwargs, flags in cases:
        out = subprocess.run(
            [str(cli), "compare", "--text", "--json", *flags, a, b],
            capture_output=True, text=True, check=True,
        ).stdout
        expected = json.loads(out)
        got = neardup.compare(a, b, **kwargs)
        assert got == expected
        assert list(got) == list(expected)  # same keys, same order

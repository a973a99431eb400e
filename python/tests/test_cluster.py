"""Batch clustering: labels, clusters, input kinds, presets and options."""

import numpy as np
import pytest

import neardup


def test_seeds_are_one_story_under_rewrite(seeds):
    assert len(seeds) == 5
    assert neardup.cluster(seeds, preset="rewrite") == [0] * 5
    # They are rewrites, not copies: the near-duplicate preset keeps them apart.
    assert neardup.cluster(seeds) == list(range(5))


def test_labels_are_smallest_member_and_match_clusters(corpus):
    labels = neardup.cluster(corpus)
    clusters = neardup.Clusterer().cluster(corpus)
    assert sum(len(c) for c in clusters) == len(corpus)
    assert len(clusters) == 300  # 300 stories, each with two near-copies
    for c in clusters:
        assert c.id == min(c.members) == c.members[0]
        assert c.members == sorted(c.members)
        assert c.representative in c.members
        assert len(c.similarities) == len(c.members)
        assert c.similarities[c.members.index(c.representative)] == 1.0
        for a, b, s in c.edges:
            assert a in c.members and b in c.members and 0.8 <= s <= 1.0
        for m in c.members:
            assert labels[m] == c.id
    assert [c.id for c in clusters] == sorted(c.id for c in clusters)


def test_input_kinds_give_the_same_labels(corpus):
    expected = neardup.cluster(corpus)
    assert neardup.cluster(tuple(corpus)) == expected
    assert neardup.cluster(t for t in corpus) == expected
    assert neardup.cluster(np.array(corpus)) == expected
    assert neardup.cluster(np.array(corpus, dtype=object)) == expected


class Sub(str):
    pass


def test_str_subclasses_and_empty_input():
    texts = [Sub("the quick brown fox jumps over the lazy dog"), "the quick brown fox jumps over the lazy dog", ""]
    assert neardup.cluster(texts) == [0, 0, 2]
    assert neardup.cluster([]) == []
    assert neardup.Clusterer().cluster([]) == []
    assert neardup.cluster(["", "  "]) == [0, 1]  # empty texts are similar to nothing


def test_options_change_the_result(corpus):
    strict = neardup.cluster(corpus, threshold=1.0)
    assert len(set(strict)) > len(set(neardup.cluster(corpus)))
    # Every method and a few options run and keep the copies together.
    for kwargs in (
        {"method": "simhash", "threshold": 0.8},
        {"method": "minhash", "num_perm": 64, "seed": 3},
        {"shingle": "chars:5"},
        {"shingle": "words:3", "drop_stop_words": True},
    ):
        assert len(set(neardup.cluster(corpus, **kwargs))) <= 320, kwargs
    labels = [0] * len(corpus)
    for c in neardup.Clusterer("rewrite").cluster(corpus):
        for m in c.members:
            labels[m] = c.id
    assert neardup.cluster(corpus, preset="rewrite") == labels


def test_clusterer_properties_and_similarity():
    c = neardup.Clusterer("rewrite", threshold=0.2, seed=9)
    assert (c.preset, c.method, c.threshold, c.seed) == ("rewrite", "weighted", 0.2, 9)
    assert "Weighted" in c.explain()
    assert "rewrite" in repr(c)
    d = neardup.Clusterer(method="simhash")
    assert d.method == "simhash" and d.preset == "near-duplicate"
    text = "the quick brown fox jumps over the lazy dog by the river bank"
    assert neardup.Clusterer().similarity(text, text) == 1.0
    assert neardup.Clusterer().similarity(text, "a b c d e f g") == 0.0


def test_cluster_equality_and_repr(corpus):
    a = neardup.Clusterer().cluster(corpus)
    b = neardup.Clusterer().cluster(list(corpus))
    assert a == b
    assert repr(a[0]).startswith("Cluster(id=0,")


def test_time_window_keeps_reports_far_apart_in_time_apart():
    quake = "Magnitude 4.4 earthquake strikes Sonoma County near The Geysers, USGS says."
    retold = "A 4.4 magnitude earthquake struck Sonoma County near The Geysers, the USGS said."
    texts = [quake, retold, quake]
    day = 86_400
    times = [0, 3_600, 400 * day]  # the third, a year later, is another quake
    c = neardup.Clusterer("story")
    assert [x.members for x in c.cluster(texts)] == [[0, 1, 2]]
    within = c.cluster(texts, times=times, window=3 * day)
    assert [x.members for x in within] == [[0, 1], [2]]
    assert [x.members for x in c.cluster(texts, times=times, window=500 * day)] == [[0, 1, 2]]
    # Times alone: the story preset's default window (30 days) keeps the later quake apart.
    assert [x.members for x in c.cluster(texts, times=times)] == [[0, 1], [2]]
    with pytest.raises(ValueError, match="milliseconds"):
        c.cluster(texts, times=[t * 1000 + 1_700_000_000_000 for t in times])
    with pytest.raises(ValueError, match="no default window"):
        neardup.Clusterer("rewrite").cluster(texts, times=times)
    with pytest.raises(ValueError):
        c.cluster(texts, times=times[:2], window=day)
    with pytest.raises(ValueError):
        c.cluster(texts, times=times, window=-1)
    assert neardup.cluster(texts, "story", times=times, window=3 * day) == [0, 0, 2]
    assert neardup.cluster(texts, "story") == [0, 0, 0]
    assert neardup.cluster(texts, "story", times=times) == [0, 0, 2]
    with pytest.raises(ValueError, match="needs times"):
        neardup.cluster(texts, "story", window=day)

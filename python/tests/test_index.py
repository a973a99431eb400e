"""The incremental Index: insert, query, remove, evict, save/load and pickling."""

import pickle

import pytest

import neardup

STORY = (
    "The central bank raised interest rates by half a point on Tuesday, citing persistent "
    "inflation and a tight labour market, and said more increases may follow this year."
)


def test_insert_query_remove(corpus):
    index = neardup.Index()
    a = index.insert("a", STORY, 100)
    b = index.insert("b", STORY + " (Reuters)", 160)
    c = index.insert("c", corpus[0], 170)
    assert a.is_new_cluster and not b.is_new_cluster and c.is_new_cluster
    assert a.cluster == b.cluster != c.cluster
    assert [n for n, _ in b.neighbours] == ["a"]
    assert len(index) == 3 and index.num_clusters() == 2
    assert "a" in index and "zz" not in index
    assert index.cluster_of("b") == a.cluster and index.cluster_of("zz") is None
    ids, representative = index.members(a.cluster)
    assert ids == ["a", "b"] and representative in ids
    assert index.members(12345) is None
    assert index.newest == 170
    q = index.query(STORY + "!")
    assert q.cluster == a.cluster and {n for n, _ in q.neighbours} == {"a", "b"}
    assert index.query("nothing like it at all").cluster is None
    assert index.remove("a") and not index.remove("a")
    assert len(index) == 2
    assert index.evict_older_than(165) == 1
    assert len(index) == 1 and index.memory_bytes() > 0
    usage = index.memory_usage()
    assert set(usage) == {"documents", "features", "tables", "ids", "clusters", "order"}
    assert sum(usage.values()) == index.memory_bytes() and usage["features"] > 0
    assert "len=1" in repr(index)


def test_replay_is_idempotent_and_duplicates_are_errors():
    index = neardup.Index()
    first = index.insert("a", STORY, 1)
    again = index.insert("a", STORY, 2)
    assert again.replayed and again.cluster == first.cluster and len(index) == 1
    with pytest.raises(ValueError, match="duplicate document id"):
        index.insert("a", "another text entirely", 3)


def test_window_evicts_old_articles(corpus):
    index = neardup.Index(window=10)
    for t, text in enumerate(corpus[:50]):
        index.insert(str(t), text, t)
    assert len(index) == 11  # times 39..49
    assert index.cluster_of("38") is None and index.cluster_of("39") is not None


def test_rewrite_index_joins_the_seeds(seeds):
    index = neardup.Index("rewrite")
    clusters = {index.insert(str(i), s, i).cluster for i, s in enumerate(seeds)}
    assert len(clusters) == 1
    assert index.preset == "rewrite" and index.method == "weighted"


def _filled(corpus, preset="near-duplicate"):
    index = neardup.Index(preset, window=1000)
    for i, text in enumerate(corpus[:300]):
        index.insert(f"d{i}", text, i)
    return index


def _answers(index, texts):
    return [(q.cluster, q.neighbours) for q in map(index.query, texts)]


@pytest.mark.parametrize("preset", ["near-duplicate", "rewrite"])
def test_pickle_round_trip_answers_the_same(corpus, preset):
    index = _filled(corpus, preset)
    clone = pickle.loads(pickle.dumps(index))
    assert isinstance(clone, neardup.Index)
    assert len(clone) == len(index) and clone.num_clusters() == index.num_clusters()
    assert _answers(clone, corpus) == _answers(index, corpus)
    # Both go on alike, window included.
    for i, text in enumerate(corpus[300:400], start=300):
        a, b = index.insert(f"d{i}", text, i), clone.insert(f"d{i}", text, i)
        assert (a.cluster, a.neighbours, a.merged) == (b.cluster, b.neighbours, b.merged)
    assert clone.to_bytes() == index.to_bytes()


def test_save_load_round_trip(tmp_path, corpus):
    index = _filled(corpus)
    path = tmp_path / "corpus.idx"
    index.save(path)
    loaded = neardup.Index.load(path)
    assert _answers(loaded, corpus) == _answers(index, corpus)
    index.save(str(path))  # str paths too; replaces the file
    assert neardup.Index.load(str(path)).to_bytes() == index.to_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["corpus.idx"]  # no temporary file left


def test_results_pickle(corpus):
    index = neardup.Index()
    index.insert("a", STORY, 1)
    for result in (index.insert("b", STORY + "!", 2), index.query(STORY), index.query("unrelated")):
        clone = pickle.loads(pickle.dumps(result))
        assert clone == result and type(clone) is type(result)
    clusters = neardup.Clusterer().cluster(corpus)
    assert pickle.loads(pickle.dumps(clusters)) == clusters

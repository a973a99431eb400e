"""Every error path: bad options, bad texts, bad files, bad signatures. None is a crash."""

import errno
import math

import numpy as np
import pytest

import neardup

TEXT = "the quick brown fox jumps over the lazy dog by the river bank"

BAD_OPTIONS = [
    ({"preset": "nope"}, "unknown preset"),
    ({"method": "cosine"}, "unknown method"),
    ({"threshold": 0.0}, "threshold"),
    ({"threshold": 1.5}, "threshold"),
    ({"threshold": math.nan}, "threshold"),
    ({"num_perm": 0}, "num_perm"),
    ({"num_perm": -1}, "num_perm"),
    ({"num_perm": 2**70}, "num_perm"),
    ({"num_perm": 10**6}, "num_perm"),
    ({"seed": -1}, "seed"),
    ({"shingle": "words:0"}, "size"),
    ({"shingle": "words:33"}, "size"),
    ({"shingle": "words"}, "words:N"),
    ({"shingle": "words:x"}, "whole number"),
    ({"shingle": "lines:3"}, "unknown kind"),
    ({"shingle": "chars:4", "drop_stop_words": True}, "word shingles only"),
    ({"preset": "rewrite", "shingle": "words:2"}, "weighted"),
    ({"method": "simhash", "threshold": 0.3}, "SimHash distance"),
]


@pytest.mark.parametrize("kwargs,message", BAD_OPTIONS)
def test_bad_options_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        neardup.cluster([TEXT], **kwargs)
    with pytest.raises(ValueError, match=message):
        neardup.Clusterer(**kwargs)
    with pytest.raises(ValueError, match=message):
        neardup.Index(**kwargs)


def test_bad_index_window_and_option_types():
    with pytest.raises(ValueError, match="window"):
        neardup.Index(window=-1)
    with pytest.raises(TypeError):
        neardup.Clusterer(colour="blue")  # an unknown keyword
    with pytest.raises(TypeError):
        neardup.cluster([TEXT], num_perm="128")
    with pytest.raises(TypeError):
        neardup.cluster([TEXT], threshold="high")


@pytest.mark.parametrize("kwargs", [{"num_perm": 0}, {"seed": -5}, {"shingle": "chars:0"}])
def test_bad_minhasher_and_compare_options(kwargs):
    with pytest.raises(ValueError):
        neardup.MinHasher(**kwargs)
    with pytest.raises(ValueError):
        neardup.compare(TEXT, TEXT, **kwargs)


@pytest.mark.parametrize(
    "texts,message",
    [
        (TEXT, "not a single string"),
        (b"bytes", "not a single string"),
        (42, "not int"),
        ([TEXT, 7], r"texts\[1\] is int"),
        ([TEXT, b"x"], r"texts\[1\] is bytes"),
        ([None], r"texts\[0\] is NoneType"),
        (np.array([b"a", b"b"]), r"texts\[0\] is bytes_"),
    ],
)
def test_bad_texts_raise_type_error(texts, message):
    for call in (neardup.cluster, neardup.Clusterer().cluster, neardup.MinHasher().sign):
        with pytest.raises(TypeError, match=message):
            call(texts)


def test_unencodable_text_raises_unicode_error():
    with pytest.raises(UnicodeEncodeError):
        neardup.cluster([TEXT, "lone \ud800 surrogate"])
    with pytest.raises(UnicodeEncodeError):
        neardup.Index().insert("a", "lone \ud800 surrogate")


def test_failing_iterable_propagates_its_error():
    def texts():
        yield TEXT
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError, match="source broke"):
        neardup.cluster(texts())


def _saved(tmp_path):
    index = neardup.Index()
    for i in range(20):
        index.insert(str(i), f"{TEXT} number {i} " * 3, i)
    path = tmp_path / "ok.idx"
    index.save(path)
    return path


def test_missing_and_unreadable_index_files_raise_os_error(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        neardup.Index.load(tmp_path / "missing.idx")
    assert e.value.errno == errno.ENOENT and e.value.filename.endswith("missing.idx")
    with pytest.raises(IsADirectoryError):
        neardup.Index.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        neardup.Index().save(tmp_path / "no" / "such" / "dir.idx")
    with pytest.raises(IsADirectoryError):
        neardup.Index().save("/")


def test_damaged_index_files_raise_index_format_error(tmp_path):
    good = _saved(tmp_path).read_bytes()
    assert issubclass(neardup.IndexFormatError, ValueError)
    damaged = {
        "empty": b"",
        "not an index": b"hello, world\n" * 10,
        "truncated": good[: len(good) // 2],
        "header only": good[:16],
        "flipped byte": good[:-5] + bytes([good[-5] ^ 0xFF]) + good[-4:],
        "trailing junk": good + b"junk",
    }
    for name, data in damaged.items():
        path = tmp_path / f"{name}.idx"
        path.write_bytes(data)
        with pytest.raises(neardup.IndexFormatError):
            neardup.Index.load(path)
        with pytest.raises(neardup.IndexFormatError):
            neardup.Index.from_bytes(data)
    with pytest.raises(TypeError):
        neardup.Index.from_bytes("not bytes")


def test_bad_signatures():
    sigs = neardup.MinHasher(num_perm=16).sign([TEXT, TEXT + " again"])
    with pytest.raises(ValueError, match="different shapes"):
        neardup.jaccard(sigs[0], sigs[0][:8])
    with pytest.raises(ValueError, match="3-D"):
        neardup.jaccard(sigs.reshape(2, 4, 4), sigs.reshape(2, 4, 4))
    with pytest.raises(TypeError):
        neardup.jaccard(sigs.astype(np.int64)[0], sigs.astype(np.int64)[0])
    with pytest.raises(TypeError):
        neardup.jaccard([1, 2], [1, 2])

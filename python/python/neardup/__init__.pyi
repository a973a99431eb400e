"""Type stubs of the neardup package (the extension module ``neardup._neardup``)."""

import os
from collections.abc import Iterable, Sequence
from typing import Any, final

import numpy as np
import numpy.typing as npt

__version__: str
__all__: list[str]

class IndexFormatError(ValueError):
    """A saved index is truncated, corrupted, not an index, or of another format version."""

def cluster(
    texts: Iterable[str],
    preset: str = "near-duplicate",
    *,
    threshold: float | None = None,
    num_perm: int | None = None,
    seed: int | None = None,
    method: str | None = None,
    shingle: str | None = None,
    drop_stop_words: bool | None = None,
    times: Sequence[int] | None = None,
    window: int | None = None,
) -> list[int]:
    """One label per text: the smallest index of the text's cluster. ``times`` and
    ``window`` as in ``Clusterer.cluster`` (``times`` alone: the preset's default window)."""

@final
class Cluster:
    """A group of texts that are copies or rewrites of each other."""

    def __new__(
        cls,
        id: int,
        members: list[int],
        representative: int,
        similarities: list[float],
        edges: list[tuple[int, int, float]],
    ) -> Cluster: ...
    def __getnewargs__(
        self,
    ) -> tuple[int, list[int], int, list[float], list[tuple[int, int, float]]]: ...
    @property
    def id(self) -> int:
        """The smallest member index."""
    @property
    def members(self) -> list[int]:
        """Indices of the member texts, ascending."""
    @property
    def representative(self) -> int:
        """The index of the likely original."""
    @property
    def similarities(self) -> list[float]:
        """Each member's similarity to the representative, parallel to ``members``."""
    @property
    def edges(self) -> list[tuple[int, int, float]]:
        """Verified pairs ``(a, b, similarity)`` within the cluster, strongest first."""
    def __len__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...

@final
class Clusterer:
    """Groups texts into clusters of copies or rewrites; reusable and thread-safe."""

    def __new__(
        cls,
        preset: str = "near-duplicate",
        *,
        threshold: float | None = None,
        num_perm: int | None = None,
        seed: int | None = None,
        method: str | None = None,
        shingle: str | None = None,
        drop_stop_words: bool | None = None,
    ) -> Clusterer: ...
    def cluster(
        self,
        texts: Iterable[str],
        *,
        times: Sequence[int] | None = None,
        window: int | None = None,
    ) -> list[Cluster]:
        """Clusters ``texts``; clusters sorted by id. With ``times`` (seconds, one per text)
        and ``window`` (seconds), texts published farther apart are never linked directly;
        with ``times`` alone, the preset's default window (story: 30 days; ``ValueError``
        for presets without one and for times that look like milliseconds)."""
    def similarity(self, a: str, b: str) -> float:
        """The similarity of two texts as clustering would measure it."""
    def explain(self) -> str:
        """The configuration in use and what was derived from it."""
    @property
    def preset(self) -> str: ...
    @property
    def method(self) -> str: ...
    @property
    def threshold(self) -> float: ...
    @property
    def num_perm(self) -> int: ...
    @property
    def seed(self) -> int: ...

@final
class Assignment:
    """Where an inserted article went."""

    def __new__(
        cls,
        cluster: int,
        neighbours: list[tuple[str, float]],
        is_new_cluster: bool,
        merged: list[int],
        replayed: bool,
    ) -> Assignment: ...
    def __getnewargs__(self) -> tuple[int, list[tuple[str, float]], bool, list[int], bool]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...
    @property
    def cluster(self) -> int: ...
    @property
    def neighbours(self) -> list[tuple[str, float]]: ...
    @property
    def is_new_cluster(self) -> bool: ...
    @property
    def merged(self) -> list[int]: ...
    @property
    def replayed(self) -> bool: ...

@final
class QueryResult:
    """What a query found, without inserting anything."""

    def __new__(cls, cluster: int | None, neighbours: list[tuple[str, float]]) -> QueryResult: ...
    def __getnewargs__(self) -> tuple[int | None, list[tuple[str, float]]]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __ne__(self, value: object, /) -> bool: ...
    @property
    def cluster(self) -> int | None: ...
    @property
    def neighbours(self) -> list[tuple[str, float]]: ...

@final
class Index:
    """An index that assigns each arriving text to a cluster at once."""

    def __new__(
        cls,
        preset: str = "near-duplicate",
        window: int | None = None,
        *,
        threshold: float | None = None,
        num_perm: int | None = None,
        seed: int | None = None,
        method: str | None = None,
        shingle: str | None = None,
        drop_stop_words: bool | None = None,
    ) -> Index: ...
    def insert(self, id: str, text: str, time: int = 0) -> Assignment:
        """Adds ``text`` under ``id`` at ``time`` and assigns it to a cluster."""
    def query(self, text: str) -> QueryResult:
        """The cluster ``text`` would join, without inserting it."""
    def remove(self, id: str) -> bool:
        """Removes article ``id``; returns whether it was there."""
    def evict_older_than(self, time: int) -> int:
        """Removes every article older than ``time``; returns how many."""
    def cluster_of(self, id: str) -> int | None: ...
    def members(self, cluster: int) -> tuple[list[str], str] | None: ...
    def num_clusters(self) -> int: ...
    def memory_bytes(self) -> int: ...
    def memory_usage(self) -> dict[str, int]:
        """Bytes by part (documents, features, tables, ids, clusters, order); sums to ``memory_bytes()``."""
    @property
    def newest(self) -> int | None: ...
    @property
    def preset(self) -> str: ...
    @property
    def method(self) -> str: ...
    def __len__(self) -> int: ...
    def __contains__(self, key: str, /) -> bool: ...
    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes the index to ``path``."""
    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Index:
        """Reads an index written by ``save``."""
    def to_bytes(self) -> bytes:
        """The index in the saved format."""
    @classmethod
    def from_bytes(cls, data: bytes) -> Index:
        """An index from ``to_bytes``' bytes."""
    def __reduce__(self) -> tuple[Any, tuple[bytes]]: ...

def compare(
    a: str,
    b: str,
    *,
    num_perm: int | None = None,
    seed: int | None = None,
    shingle: str | None = None,
    drop_stop_words: bool | None = None,
) -> dict[str, Any]:
    """Every measure of how similar ``a`` and ``b`` are, as ``neardup compare --json``."""

@final
class MinHasher:
    """Makes MinHash signatures as NumPy arrays."""

    def __new__(
        cls,
        num_perm: int | None = None,
        seed: int | None = None,
        *,
        shingle: str | None = None,
        drop_stop_words: bool | None = None,
    ) -> MinHasher: ...
    def sign(self, texts: Iterable[str]) -> npt.NDArray[np.uint32]:
        """The signatures of ``texts``, one row of ``num_perm`` values per text."""
    @property
    def num_perm(self) -> int: ...
    @property
    def seed(self) -> int: ...

def jaccard(
    sig_a: npt.NDArray[np.uint32], sig_b: npt.NDArray[np.uint32]
) -> Any:
    """The Jaccard estimate of two signatures (a float) or of two stacks of them (an array)."""

"""Find near-duplicate and rewritten text fast: MinHash, SimHash, LSH and verified clustering.

The engine is the Rust crate ``neardup``; every heavy call releases the GIL and runs on all
cores. Results depend only on the texts, the options and the seed, never on the number of
threads.

>>> import neardup
>>> texts = [
...     "The central bank raised interest rates by half a point on Tuesday, citing inflation.",
...     "The central bank raised interest rates by half a point on Tuesday, citing inflation!",
...     "A new species of frog was found in the rainforests of northern Peru this spring.",
... ]
>>> neardup.cluster(texts)
[0, 0, 2]
"""

from ._neardup import (
    Assignment,
    Cluster,
    Clusterer,
    Index,
    IndexFormatError,
    MinHasher,
    QueryResult,
    __version__,
    cluster,
    compare,
    jaccard,
)

__all__ = [
    "Assignment",
    "Cluster",
    "Clusterer",
    "Index",
    "IndexFormatError",
    "MinHasher",
    "QueryResult",
    "__version__",
    "cluster",
    "compare",
    "jaccard",
]

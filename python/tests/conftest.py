"""Shared fixtures: the seeds, a synthetic corpus with known near-copies, the CLI, Reuters."""

import json
import os
import pathlib
import random
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SEEDS = sorted((REPO / "seeds").glob("*.txt"))
REUTERS = os.environ.get("NEARDUP_REUTERS")
NEEDS_REUTERS = pytest.mark.skipif(
    not REUTERS, reason="needs Reuters-21578: set NEARDUP_REUTERS (CI does)"
)


def neardup_bin() -> pathlib.Path:
    """The `neardup` CLI: $NEARDUP_BIN, else target/release/neardup (built if missing)."""
    path = pathlib.Path(os.environ.get("NEARDUP_BIN", REPO / "target/release/neardup"))
    if not path.exists():
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "--bin", "neardup"], cwd=REPO, check=True
        )
    return path


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    return neardup_bin()


@pytest.fixture(scope="session")
def seeds() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in SEEDS]


def synthetic(n_stories: int, copies: int, words: int = 120, seed: int = 7) -> list[str]:
    """`n_stories` random texts, each followed by `copies` near-copies (one word changed)."""
    rng = random.Random(seed)
    vocab = [f"w{i}x{rng.randrange(10**6)}" for i in range(20000)]
    texts = []
    for _ in range(n_stories):
        base = [rng.choice(vocab) for _ in range(words)]
        texts.append(" ".join(base))
        for _ in range(copies):
            copy = list(base)
            copy[rng.randrange(words)] = rng.choice(vocab)
            texts.append(" ".join(copy))
    rng.shuffle(texts)
    return texts


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    return synthetic(300, 2)


@pytest.fixture(scope="session")
def reuters_jsonl(tmp_path_factory) -> pathlib.Path:
    """Reuters-21578 as the JSON Lines the CLI reads (examples/export_jsonl.rs)."""
    out = tmp_path_factory.mktemp("reuters") / "reuters.jsonl"
    with open(out, "wb") as f:
        subprocess.run(
            ["cargo", "run", "--release", "--quiet", "--example", "export_jsonl", "--", REUTERS],
            cwd=REPO,
            stdout=f,
            check=True,
        )
    return out


def read_jsonl(path: pathlib.Path) -> tuple[list[str], list[str]]:
    """The ids and texts of a JSON Lines file."""
    ids, texts = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                doc = json.loads(line)
                ids.append(str(doc["id"]))
                texts.append(doc["text"])
    return ids, texts

"""On Reuters-21578 the Python labels are the CLI's, for both presets."""

import json
import subprocess

import neardup
from conftest import NEEDS_REUTERS, read_jsonl


def cli_labels(cli, path, preset):
    """The CLI's clusters as labels: the index of each document's cluster's first member."""
    out = subprocess.run(
        [str(cli), "cluster", "--preset", preset, str(path)],
        capture_output=True, text=True, check=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    position = {str(r["id"]): i for i, r in enumerate(rows)}
    return [position[str(r["cluster"])] for r in rows]


@NEEDS_REUTERS
def test_labels_equal_the_cli_on_reuters(cli, reuters_jsonl):
    ids, texts = read_jsonl(reuters_jsonl)
    assert len(texts) > 15000
    for preset in ("near-duplicate", "rewrite"):
        expected = cli_labels(cli, reuters_jsonl, preset)
        labels = neardup.cluster(texts, preset=preset)
        assert labels == expected, preset
        assert len(set(labels)) < len(labels)  # Reuters has copies and rewrites

#!/usr/bin/env bash
# neardup against its peers on Reuters-21578, same machine, same run.
#
#   bash benches/compare/run.sh [--repeats N] [--threads "1 2"] [--out DIR] [--peers LIST] [--corpus FILE.jsonl]
#
# Builds the release examples (and the `neardup` CLI if src/main.rs exists), exports the corpus
# to JSON Lines, then alternates, per repeat and thread count: the peers' bench.py (one repeat,
# every peer in a fresh process), neardup's stage timer (examples/compare.rs) and the whole
# `neardup cluster` process. Prints medians, and ratios to the fastest peer of the same repeat,
# and writes every raw row to $OUT/runs.jsonl (`compare.py --report` prints it again).
# --corpus replaces the Reuters export (e.g. a small slice, to check the script quickly).
# --peers is bench.py's list (default: its four peers plus gaoya_text, gaoya on raw text).
# Env: CARGO_TARGET_DIR (default /tmp/target-bench), PEERS_VENV (default /tmp/peers-venv),
#      NEARDUP_REUTERS (corpus directory, default: found by neardup::corpus::find_reuters).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/target-bench}
VENV=${PEERS_VENV:-/tmp/peers-venv}
PEERS=${PEERS_DIR:-$ROOT/../shared/tools/peers}
OUT=/tmp/neardup-compare CORPUS="" REPEATS=3 THREADS="1 2" PEER_LIST=datasketch,rensa,gaoya,fastsketchlsh,gaoya_text
while [ $# -gt 0 ]; do
  case $1 in
    --repeats) REPEATS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --peers) PEER_LIST=$2; shift 2 ;;
    --corpus) CORPUS=$(realpath "$2"); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
[ -x "$VENV/bin/python" ] || bash "$PEERS/setup.sh"

cd "$ROOT"
cargo build --release --example compare --example export_jsonl >&2
CLI=""
if [ -f src/main.rs ] && cargo build --release --bin neardup >&2; then
  CLI=$CARGO_TARGET_DIR/release/neardup
fi
if [ -z "$CORPUS" ]; then
  CORPUS=$OUT/reuters.jsonl
  [ -s "$CORPUS" ] || "$CARGO_TARGET_DIR/release/examples/export_jsonl" > "$CORPUS"
fi

python3 "$HERE/compare.py" --corpus "$CORPUS" --out "$OUT" --repeats "$REPEATS" --threads "$THREADS" \
  --peers "$PEER_LIST" \
  --python "$VENV/bin/python" --bench-py "$PEERS/bench.py" \
  --compare "$CARGO_TARGET_DIR/release/examples/compare" ${CLI:+--cli "$CLI"}

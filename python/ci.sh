#!/usr/bin/env bash
# CI for the Python package: build it from source with `pip install ./python` (maturin as the
# PEP 517 backend) into a fresh virtual environment, then run its tests. The tests that need
# Reuters-21578 run when NEARDUP_REUTERS is set (.ci/run sets it).
#   bash python/ci.sh            (PYTHON=python3.12 to pick the interpreter, >= 3.10)
set -euo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-python3}"
venv="target/py-venv"
rm -rf "$venv"
"$python" -m venv "$venv"
py="$PWD/$venv/bin/python"
"$py" -m pip install --quiet --disable-pip-version-check \
  "maturin>=1.16,<2" "pytest>=8,<10" "numpy>=1.21,<3" "mypy>=1.10,<3"
"$py" -m pip install --quiet --disable-pip-version-check ./python

# The CLI the parity tests compare against (already built by `cargo test --release` in CI).
cargo build --release --quiet --bin neardup
export NEARDUP_BIN="$PWD/target/release/neardup"
# Run from the tests' folder so `import neardup` is the installed package.
cd python/tests
"$py" -m pytest -q -p no:cacheprovider .

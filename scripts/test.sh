#!/usr/bin/env bash
# Set up a virtualenv with rectify and its test dependencies, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q '.[test]'
export PATH="$PWD/.venv/bin:$PATH"
exec python -m pytest "$@"

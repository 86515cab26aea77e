#!/usr/bin/env bash
# Set up a virtualenv with rectify and its test dependencies, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q '.[test]'
export PATH="$PWD/.venv/bin:$PATH"
if [ $# -eq 0 ]; then
  # The whole run: lint, types, then every test. With arguments only pytest runs (e.g. -k workflow).
  ruff check rectify tests bench
  mypy rectify
fi
exec python -m pytest "$@"

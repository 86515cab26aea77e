#!/usr/bin/env bash
# Set up a virtualenv with rectify, build the demo county in the embedded database, print its ledger.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q .
exec .venv/bin/rectify demo "$@"

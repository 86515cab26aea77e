#!/usr/bin/env bash
# Set up a virtualenv with rectify and its test dependencies, then run the whole suite.
# Needs PostgreSQL's binaries (initdb, pg_ctl), Chromium, LibreOffice and poppler-utils (see the README).
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

# The PostgreSQL servers the tests start are listed here; stopped on exit, whatever stops the run (SIGTERM, Ctrl-C).
RECTIFY_TEST_PG_LIST=$(mktemp)
export RECTIFY_TEST_PG_LIST
pytest_pid=""
stop_servers() {
  local root pg_ctl
  pg_ctl=$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)
  while read -r root; do
    [ -d "$root/data" ] || continue
    if [ -n "$pg_ctl" ]; then
      if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$pg_ctl" -D "$root/data" -m immediate stop >/dev/null 2>&1 || true
      else
        "$pg_ctl" -D "$root/data" -m immediate stop >/dev/null 2>&1 || true
      fi
    fi
    rm -rf "$root"
  done < "$RECTIFY_TEST_PG_LIST"
  rm -f "$RECTIFY_TEST_PG_LIST"
}
interrupted() {
  # A background job ignores SIGINT in a script: pytest takes SIGTERM as its Ctrl-C (tests/conftest.py).
  [ -n "$pytest_pid" ] && kill -TERM "$pytest_pid" 2>/dev/null && wait "$pytest_pid" 2>/dev/null
  stop_servers
  exit "$1"
}
trap 'interrupted 143' TERM
trap 'interrupted 130' INT
set +e
python -m pytest -n "${RECTIFY_TEST_WORKERS:-auto}" "$@" &  # pytest-xdist: every core (2 in CI)
pytest_pid=$!
wait "$pytest_pid"
status=$?
set -e
trap - TERM INT
stop_servers
exit "$status"

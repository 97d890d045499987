#!/usr/bin/env bash
# Sets up everything the checks need (the venv, buf, a PostgreSQL server on
# loopback), then runs them all: buf lint, buf breaking, ruff, mypy and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
if [ ! -x .tools/node_modules/.bin/buf ]; then
  echo "setup: installing buf (npm)" >&2
  npm install --silent --no-audit --no-fund --prefix .tools @bufbuild/buf@1.75.0 >/dev/null
fi
echo "== buf lint"
.tools/node_modules/.bin/buf lint
echo "== buf breaking"
# Against the commit before this one (the first parent, so a merge is checked
# against main as it was); a clone with a single commit has nothing to compare.
if git rev-parse --verify --quiet 'HEAD~1^{commit}' >/dev/null; then
  .tools/node_modules/.bin/buf breaking --against '.git#ref=HEAD~1'
else
  echo "no previous commit: skipped"
fi
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
bash scripts/typecheck.sh
echo "== postgresql"
# The black-box suite also runs against two replicas on this server. A server
# this run starts, it stops at the end; one that was already running (shared
# with others) is left as it was.
if bash scripts/postgres.sh running; then
  echo "using the PostgreSQL server that is already running (left running)"
else
  echo "starting PostgreSQL (stopped again when the tests end)"
  trap 'echo "== stopping the PostgreSQL server this run started"; bash scripts/postgres.sh stop' EXIT
fi
SESSIOND_TEST_PG="$(bash scripts/postgres.sh start)"
export SESSIOND_TEST_PG
echo "$SESSIOND_TEST_PG"
echo "== pytest"
.venv/bin/pytest -q "$@"

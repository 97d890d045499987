#!/usr/bin/env bash
# Sets up everything the checks need (the venv, buf, a PostgreSQL server on
# loopback), then runs them all: buf lint, ruff, mypy and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
if [ ! -x .tools/node_modules/.bin/buf ]; then
  npm install --silent --no-audit --no-fund --prefix .tools @bufbuild/buf@1.75.0 >/dev/null
fi
echo "== buf lint"
.tools/node_modules/.bin/buf lint
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"
bash scripts/typecheck.sh
echo "== postgresql"
# The black-box suite also runs against two replicas on this server.
SESSIOND_TEST_PG="$(bash scripts/postgres.sh start)"
export SESSIOND_TEST_PG
echo "$SESSIOND_TEST_PG"
echo "== pytest"
.venv/bin/pytest -q "$@"

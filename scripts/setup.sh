#!/usr/bin/env bash
# Creates .venv and installs sessiond into it (with the dev tools when given "dev").
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# Drops pip's notes about package index folders this machine does not have.
quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location '" || true; }; }
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-${1:-run}"
if [ ! -f "$stamp" ]; then
  quiet .venv/bin/python -m pip install --quiet --upgrade pip
  if [ "${1:-}" = "dev" ]; then
    quiet .venv/bin/python -m pip install --quiet -e '.[dev]'
  else
    quiet .venv/bin/python -m pip install --quiet -e .
  fi
  touch "$stamp"
fi
# The TLS tests make a self-signed certificate with the openssl command.
if [ "${1:-}" = "dev" ] && ! command -v openssl >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    quiet apt-get install -y -qq openssl >/dev/null
  else
    echo "setup: install the openssl command (the TLS tests need it)" >&2
  fi
fi

#!/usr/bin/env bash
# Creates .venv and installs sessiond into it (with the dev tools when given "dev":
# then also Debian's chromium for the console's browser tests and the Node.js
# example's packages). Says what it does: the first run takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
say() { echo "setup: $*" >&2; }
if [ ! -x .venv/bin/python ]; then
  say "creating the virtual environment .venv"
  "$PY" -m venv .venv
fi
# Drops pip's notes about package index folders this machine does not have.
quiet() { "$@" 2>&1 | { grep -v "^WARNING: Location '" || true; }; }
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-${1:-run}"
if [ ! -f "$stamp" ]; then
  say "installing sessiond and its Python packages into .venv (a minute or two the first time)"
  quiet .venv/bin/python -m pip install --quiet --upgrade pip
  if [ "${1:-}" = "dev" ]; then
    quiet .venv/bin/python -m pip install --quiet -e '.[dev]'
  else
    quiet .venv/bin/python -m pip install --quiet -e .
  fi
  touch "$stamp"
  say "Python packages installed"
fi
if [ "${1:-}" = "dev" ]; then
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium for the console's browser tests"
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null 2>&1; then
      $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
      $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
    fi
  fi
  if [ ! -d examples/node/node_modules/@grpc/grpc-js ]; then
    say "installing the Node.js example's packages (npm)"
    npm install --silent --no-audit --no-fund --prefix examples/node >/dev/null
  fi
fi

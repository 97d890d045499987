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
# The TLS tests make a self-signed certificate with the openssl command.
if [ "${1:-}" = "dev" ] && ! command -v openssl >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    quiet apt-get install -y -qq openssl >/dev/null
  else
    echo "setup: install the openssl command (the TLS tests need it)" >&2
  fi
fi

# The tool sandbox (CONTRACT.md §2): bubblewrap, and the system python's pip that
# installs environments' pip packages inside it, from Debian's packages where missing.
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
/usr/bin/python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
if [ "${#need[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; then
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    $sudo apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
      echo "setup.sh: could not install ${need[*]}; built-in tools will report that no sandbox can run" >&2
  fi
fi

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

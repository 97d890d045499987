#!/usr/bin/env bash
# Sets up sessiond and starts the embedded server (SQLite, offline model
# unless ANTHROPIC_API_KEY is set). Extra arguments go to `sessiond serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/sessiond serve "$@"

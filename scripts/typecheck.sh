#!/usr/bin/env bash
# mypy over the installed layout: sessiond.core, sessiond.edge, sessiond.cli
# (the folders core/, edge/, cli/ and generated/sessiond/v1 seen through a
# tree of symlinks, since mypy cannot follow setuptools' package-dir mapping).
set -euo pipefail
cd "$(dirname "$0")/.."
tree=.tools/typecheck/sessiond
mkdir -p "$tree"
for d in core edge cli; do ln -sfn "../../../$d" "$tree/$d"; done
ln -sfn ../../../generated/sessiond/v1 "$tree/v1"
: > "$tree/__init__.py"
exec .venv/bin/mypy -p sessiond.core -p sessiond.edge -p sessiond.cli "$@"

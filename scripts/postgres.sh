#!/usr/bin/env bash
# The project's own PostgreSQL server, on loopback only.
#
#   bash scripts/postgres.sh start   installs PostgreSQL from Debian's packages if
#                                    missing, creates a cluster, starts it, and
#                                    prints its SQLAlchemy URL
#   bash scripts/postgres.sh stop    stops it
#   bash scripts/postgres.sh url     prints the URL
#   bash scripts/postgres.sh running exits 0 when the server is up
#
# SESSIOND_PG_DIR (default /tmp/sessiond-pg) holds the cluster and its socket;
# SESSIOND_PG_PORT (default 54329) is its TCP port on 127.0.0.1. The database
# "sessiond" is created; tests make their own databases beside it.
set -euo pipefail
PGDIR="${SESSIOND_PG_DIR:-/tmp/sessiond-pg}"
PORT="${SESSIOND_PG_PORT:-54329}"
URL="postgresql+asyncpg://sessiond@127.0.0.1:${PORT}/sessiond"

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/pg_ctl" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

install_pg() {
  if find_bin >/dev/null; then
    return 0
  fi
  echo "postgres.sh: installing PostgreSQL from Debian's packages" >&2
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null
  $sudo apt-get install -y -qq postgresql >/dev/null
  find_bin >/dev/null
}

# Runs a PostgreSQL program as the cluster's owner (PostgreSQL refuses root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  install_pg
  local bin
  bin="$(find_bin)"
  mkdir -p "$PGDIR"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PGDIR"; fi
  if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$PGDIR/data" -U sessiond --auth=trust -E UTF8 >/dev/null
  fi
  if ! as_owner "$bin/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGDIR -c max_connections=400" \
      start >/dev/null
  fi
  if ! as_owner "$bin/psql" -h "$PGDIR" -p "$PORT" -U sessiond -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'sessiond'" | grep -q 1; then
    as_owner "$bin/createdb" -h "$PGDIR" -p "$PORT" -U sessiond sessiond
  fi
  echo "$URL"
}

stop() {
  local bin
  bin="$(find_bin)" || return 0
  if [ -f "$PGDIR/data/PG_VERSION" ]; then
    as_owner "$bin/pg_ctl" -D "$PGDIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

running() {
  local bin
  bin="$(find_bin)" || return 1
  [ -f "$PGDIR/data/PG_VERSION" ] || return 1
  as_owner "$bin/pg_ctl" -D "$PGDIR/data" status >/dev/null 2>&1
}

case "${1:-start}" in
  start) start ;;
  running) running ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *)
    echo "usage: $0 start|stop|url|running" >&2
    exit 2
    ;;
esac

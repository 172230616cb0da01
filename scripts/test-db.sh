#!/usr/bin/env bash
# Starts or stops the throw-away PostgreSQL cluster the test suite runs against
# (.data/test-postgres, port $TEST_PG_PORT, trust auth on loopback only).
# Usage: scripts/test-db.sh start|stop|url
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN="$ROOT/.deps/postgres/bin"
DATA="$ROOT/.data/test-postgres"
PORT="${TEST_PG_PORT:-54330}"
PG_USER="${EMBEDDED_PG_USER:-facepipe}"

run_pg() {  # run a PostgreSQL tool as the unprivileged user when we are root
  if [ "$(id -u)" = 0 ]; then setpriv --reuid="$PG_USER" --regid="$PG_USER" --clear-groups "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    [ -x "$BIN/postgres" ] || { echo "run scripts/setup.sh first" >&2; exit 1; }
    if [ ! -f "$DATA/PG_VERSION" ]; then
      rm -rf "$DATA"; mkdir -p "$DATA"
      [ "$(id -u)" = 0 ] && chown "$PG_USER:" "$DATA"
      run_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if run_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      echo "test PostgreSQL already running" >&2
    else
      run_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
        -o "-p $PORT -c listen_addresses=127.0.0.1 -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null
    fi
    ;;
  stop)
    [ -f "$DATA/postmaster.pid" ] && run_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
    ;;
  url)
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac

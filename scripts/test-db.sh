#!/usr/bin/env bash
# Starts or stops the throw-away PostgreSQL cluster the test suite runs against
# (.data/test-postgres, trust auth on loopback only, fsync off).
# Usage: scripts/test-db.sh start|stop|url
# The port is TEST_PG_PORT (default 25430), or the next free one if that is taken; the
# chosen port is kept in .data/test-postgres.port for `url`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN="$ROOT/.deps/postgres/bin"
DATA="$ROOT/.data/test-postgres"
PORT_FILE="$ROOT/.data/test-postgres.port"
PG_USER="${EMBEDDED_PG_USER:-facepipe}"

run_pg() {  # run a PostgreSQL tool as the unprivileged user when we are root
  if [ "$(id -u)" = 0 ]; then setpriv --reuid="$PG_USER" --regid="$PG_USER" --clear-groups "$@"; else "$@"; fi
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "${1:-}" in
  start)
    [ -x "$BIN/postgres" ] || { echo "run scripts/setup.sh first" >&2; exit 1; }
    if [ ! -f "$DATA/PG_VERSION" ]; then
      rm -rf "$DATA"; mkdir -p "$DATA"
      if [ "$(id -u)" = 0 ]; then chown "$PG_USER:" "$DATA"; fi
      run_pg "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if run_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      echo "test PostgreSQL already running" >&2
      exit 0
    fi
    port="${TEST_PG_PORT:-25430}"
    while port_busy "$port"; do port=$((port + 1)); done
    echo "$port" > "$PORT_FILE"
    # Every test migrates a scratch database in one transaction (~300 locks each, dozens at
    # once): the shared lock table is max_locks_per_transaction × max_connections slots.
    run_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c max_locks_per_transaction=256" \
      start >/dev/null || { tail -20 "$DATA/server.log" >&2; exit 1; }
    ;;
  stop)
    if [ -f "$DATA/postmaster.pid" ]; then run_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true; fi
    ;;
  url)
    echo "postgres://postgres@127.0.0.1:$(cat "$PORT_FILE" 2>/dev/null || echo "${TEST_PG_PORT:-25430}")/postgres"
    ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac

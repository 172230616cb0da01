#!/bin/bash
# The parts of the official postgres entry point compose.yaml relies on: a cluster made on first
# start with POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB, password authentication for other
# hosts, listening on every address, running as the postgres user.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"
  chown -R postgres: /var/lib/postgresql /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  initdb -D "$PGDATA" -U "$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --encoding=UTF8 \
    --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "unix_socket_directories = '/var/run/postgresql,/tmp'" >> "$PGDATA/postgresql.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  [ "$db" = postgres ] || createdb -h /var/run/postgresql -U "$user" "$db"
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "database cluster made in $PGDATA"
fi
[ "${1:-postgres}" = postgres ] && shift || true
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"

#!/usr/bin/env bash
# Development server (compose.dev.yaml runs it; it works on a set-up machine too): a debug build,
# then `facepipe ARGS…` (default `serve`: API and in-process worker), then a rebuild and a restart
# whenever a file under Sources/ or Package.swift changes. A build that fails leaves the running
# server alone and waits for the next change; a server that exits is reported and started again
# after the next successful build.
#
#   bash scripts/dev-server.sh [serve|worker|… and their options]
#
# The server runs in the folder this script was started from (compose.dev.yaml: /data, a volume),
# so its `.data/` (upload spool, first admin key) and `.env` are that folder's. Changes are found
# by polling with `find -newer` every DEV_POLL_SECONDS (2): no inotify tools needed, and it sees
# edits made through any bind mount. Set-up is not run here: `make setup` on a machine, or
# `scripts/setup.sh --runtime` before this script in compose.dev.yaml.
set -euo pipefail
START_DIR=$(pwd)
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SWIFT=${SWIFT:-swift}
POLL=${DEV_POLL_SECONDS:-2}
BIN="$ROOT/.build/debug/facepipe"
STAMP="$ROOT/.build/dev-server.stamp"
WATCHED=(Sources Package.swift)
ARGS=("$@")
[ ${#ARGS[@]} -gt 0 ] || ARGS=(serve)

say() { printf '\033[1m[dev]\033[0m %s\n' "$*" >&2; }

server=""
builder=""
start_server() {
  (cd "$START_DIR" && exec "$BIN" "${ARGS[@]}") &
  server=$!
  say "started facepipe ${ARGS[*]} (pid $server)"
}
# SIGTERM lets running jobs finish (see README, Reliability); SIGKILL after 30 s.
stop_server() {
  [ -n "$server" ] || return 0
  if kill -0 "$server" 2>/dev/null; then
    say "stopping facepipe (pid $server)"
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$server" 2>/dev/null || break; sleep 1; done
    kill -KILL "$server" 2>/dev/null || true
  fi
  wait "$server" 2>/dev/null || true
  server=""
}
# The build runs in the background so that a stop (Ctrl-C, `docker compose stop`) ends it at once.
build() {
  local started=$SECONDS status=0
  say "building (swift build --product facepipe)"
  "$SWIFT" build --product facepipe &
  builder=$!
  wait "$builder" || status=$?
  builder=""
  if [ "$status" = 0 ]; then
    say "built in $((SECONDS - started)) s"
  else
    say "build failed (exit $status) after $((SECONDS - started)) s; waiting for the next change"
  fi
  return "$status"
}
shutdown() {
  [ -z "$builder" ] || kill -TERM "$builder" 2>/dev/null || true
  stop_server
  exit 0
}
trap shutdown TERM INT

mkdir -p .build
touch "$STAMP"
build && start_server || true
say "watching ${WATCHED[*]} (every ${POLL} s)"
while true; do
  sleep "$POLL" & wait $! || true
  if [ -n "$server" ] && ! kill -0 "$server" 2>/dev/null; then
    status=0; wait "$server" || status=$?
    say "facepipe exited (status $status); it starts again after the next successful build"
    server=""
  fi
  # The next stamp is made before looking, so an edit saved during the look or the build is
  # newer than it and found next time. Directories count: adding, deleting or renaming a file
  # changes its folder's time.
  touch "$STAMP.next"
  changed=$(find "${WATCHED[@]}" -newer "$STAMP" -print -quit 2>/dev/null || true)
  if [ -z "$changed" ]; then
    rm -f "$STAMP.next"
    continue
  fi
  mv "$STAMP.next" "$STAMP"
  say "changed: $changed"
  if build; then
    stop_server
    start_server
  fi
done

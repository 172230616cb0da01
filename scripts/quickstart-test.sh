#!/usr/bin/env bash
# The README's first steps, run as a newcomer would and checked (part of `make test`):
#   1. from a working folder with no .data, `facepipe serve` exactly as `make run` starts it
#      (embedded PostgreSQL, in-process worker, as the user running this script: root in CI);
#   2. the README's quickstart block, extracted from README.md and run line by line;
#   3. checks on what those lines did, SIGTERM, and a check that the cluster stopped.
# As root it first starts facepipe under a folder the PostgreSQL account cannot enter
# (mktemp's 0700) and expects the clear message that names the folder, not initdb's error.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN="${FACEPIPE_BIN:-$ROOT/.build/debug/facepipe}"
[ -x "$BIN" ] || { echo "build facepipe first (swift build)" >&2; exit 1; }
say() { printf '\033[1m[quickstart]\033[0m %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; [ -f "${LOG:-/dev/null}" ] && tail -40 "$LOG" >&2; exit 1; }
free_port() { local p=$1; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }

SCRATCH=$(mktemp -d)   # 0700, like any private temporary folder
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  # A facepipe that failed during start may leave its PostgreSQL behind: never leak it.
  pkill -f -- "-D $SCRATCH/" 2>/dev/null || true
  rm -rf "$SCRATCH"
}
trap cleanup EXIT
HTTP_PORT=$(free_port 25470)
PG_PORT=$(free_port 25480)
export HTTP_PORT EMBEDDED_PG_PORT=$PG_PORT LOG_FORMAT=text

# A working folder laid out like a fresh clone after `make setup && swift build`: no .data.
layout() { mkdir -p "$1"; ln -s "$ROOT/.deps" "$1/.deps"; }

if [ "$(id -u)" = 0 ]; then
  say "as root under a folder PostgreSQL's account cannot enter: expect a clear refusal"
  layout "$SCRATCH/closed"
  set +e
  (cd "$SCRATCH/closed" && timeout 60 "$BIN" serve) > "$SCRATCH/closed.log" 2>&1
  status=$?
  set -e
  [ "$status" -ne 0 ] || fail "facepipe served although PostgreSQL's account cannot reach the cluster"
  grep -q "cannot enter $SCRATCH (mode 700" "$SCRATCH/closed.log" && grep -q EMBEDDED_PG_DIR "$SCRATCH/closed.log" \
    || { cat "$SCRATCH/closed.log" >&2; fail "the refusal does not name $SCRATCH and EMBEDDED_PG_DIR"; }
  ! grep -q "initdb" "$SCRATCH/closed.log" || fail "initdb ran (or its error leaked) before the folder check"
fi

chmod 755 "$SCRATCH"   # what a normal clone location looks like (/srv, /opt, /home/…)
WORK="$SCRATCH/facepipe"
layout "$WORK"
LOG="$SCRATCH/serve.log"
say "facepipe serve in $WORK (HTTP $HTTP_PORT, PostgreSQL $PG_PORT)"
(cd "$WORK" && exec "$BIN" serve) > "$LOG" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  curl -fs "http://localhost:$HTTP_PORT/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || fail "facepipe serve exited during start"
  sleep 0.2
done
curl -fs "http://localhost:$HTTP_PORT/health" >/dev/null || fail "no /health within 120 s"
grep -q "is serving on http://127.0.0.1:$HTTP_PORT" "$LOG" || fail "no start-up banner with the URL"
grep -q "scanning  OFF" "$LOG" || fail "the banner does not say that scanning is off"
grep -q "admin key $WORK/.data/admin.key" "$LOG" || fail "the banner does not say where the first admin key is"

# The README's block, line for line, with only the port changed.
BLOCK=$(awk '/<!-- quickstart:begin/{on=1; next} /<!-- quickstart:end/{on=0} on && !/^```/' README.md)
[ "$(printf '%s\n' "$BLOCK" | grep -c 'curl')" -ge 9 ] || fail "README quickstart block not found"
printf '%s\n' "$BLOCK" | sed "s/localhost:8080/localhost:$HTTP_PORT/g" > "$SCRATCH/quickstart.sh"
say "running the README's quickstart ($(grep -vc '^#' "$SCRATCH/quickstart.sh") commands)"
OUT="$SCRATCH/quickstart.out"
(cd "$WORK" && timeout 300 bash -euo pipefail "$SCRATCH/quickstart.sh") > "$OUT" || fail "a README command failed"

# What those commands should have done. Their answers are JSON values, one after another.
answers() { jq -s "$1" "$OUT"; }
[ "$(answers '.[0].status')" = '"ok"' ] || fail "health: $(answers '.[0]')"
ID=$(jq -rs '.[1].files[0].id' "$OUT")
[ "$(answers '.[1].files[0].status')" = '"processing"' ] || fail "upload: $(answers '.[1]')"
[ "$(answers "[.[2].items[] | select(.id == \"$ID\")] | length")" = 1 ] || fail "the list does not show $ID"
[ "$(answers '.[3].status')" = '"done"' ] && [ "$(answers '.[3].faceCount')" = 1 ] || fail "detail: $(answers '.[3]')"
[ "$(head -c 4 "$WORK/thumb.webp")" = RIFF ] && [ "$(dd if="$WORK/thumb.webp" bs=1 skip=8 count=4 2>/dev/null)" = WEBP ] \
  || fail "thumb.webp is not a WebP image"
[ "$(answers '.[4].status')" = '"approved"' ] || fail "report: $(answers '.[4]')"
[ "$(answers ".[5].matches[0].imageId")" = "\"$ID\"" ] || fail "face search did not find $ID first: $(answers '.[5]')"
STANDARD=$(jq -rs '.[6].key' "$OUT")
[ "$(answers '.[6].role')" = '"standard"' ] && [ "${STANDARD#fp_}" != "$STANDARD" ] || fail "key creation: $(answers '.[6]')"
# The key works, and a standard caller gets no link to the original.
curl -fs -H "Authorization: Bearer $STANDARD" "localhost:$HTTP_PORT/images/$ID" | jq -e 'has("originalUrl") | not' >/dev/null \
  || fail "a standard key sees the original's link"
# Without a key only health and the gallery answer.
[ "$(curl -s -o /dev/null -w '%{http_code}' "localhost:$HTTP_PORT/images")" = 401 ] || fail "anonymous /images is not 401"
[ "$(stat -c %a "$WORK/.data/admin.key")" = 600 ] || fail "the admin key file is not 0600"
grep -qF "$(cat "$WORK/.data/admin.key")" "$LOG" && fail "the admin key appears in the log"
grep -q '\\/' "$OUT" && fail "an answer escapes slashes"

say "stopping with SIGTERM"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "facepipe serve exited with status $? after SIGTERM"
SERVER_PID=
[ ! -f "$WORK/.data/postgres/postmaster.pid" ] || fail "the embedded PostgreSQL is still running (postmaster.pid left)"
! pgrep -f -- "-D $WORK/.data/postgres" >/dev/null || fail "a postgres process for $WORK/.data/postgres is still running"
[ "$(stat -c %a "$WORK/.data")" = 711 ] || fail ".data is $(stat -c %a "$WORK/.data"), expected 711"
[ "$(stat -c %a "$WORK/.data/media-signing.key")" = 600 ] || fail "the signing key is not 0600"
say "passed: fresh start, README examples, clean stop"

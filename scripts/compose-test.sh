#!/usr/bin/env bash
# make compose-test: compose.yaml run as an operator runs it, with the image `make image` built,
# then from the host:
#   1. the database, object store and scanner become healthy; `migrate` runs once and exits 0
#      before the API and the workers start; both become healthy through `facepipe healthcheck`;
#   2. 25 real photos uploaded through the API are processed by the two workers;
#   3. `--scale worker=3`, 25 more photos, one worker container killed (SIGKILL) while they are
#      being processed: every photo processed, none lost, none processed twice;
#   4. the database container restarted under a client polling the API: 503s while it is away,
#      then answers again by itself; never a 500;
#   5. inside the API and worker containers the process is not root and / is read-only.
# It prints what it measured and takes the stack down (KEEP=1 leaves it up).
#
# Compose: `docker compose` where a Docker engine exists, else podman-compose (pinned, from PyPI).
# Without a registry the third-party images are stand-ins (scripts/stand-ins.sh). Podman before
# 4.6 ignores `depends_on: service_healthy` and, without systemd, never runs health checks by
# itself: here the checks are run by this script (`podman healthcheck run`, the image's own
# command) and the services started in the order the conditions give.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
source scripts/container-engine.sh
say() { printf '\033[1m[compose-test]\033[0m %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
PROJECT=${COMPOSE_PROJECT:-facepipe-compose-test}
WORK="$ROOT/.data/compose-test"
IMAGE=${IMAGE_TAG:-facepipe:local}
WAIT=${COMPOSE_TEST_WAIT_SECONDS:-300}   # an upper bound on each wait, never a measure
mkdir -p "$WORK"
started=$SECONDS

$ENGINE image inspect "$IMAGE" >/dev/null 2>&1 || fail "no $IMAGE: run make image first"
podman_settle docker.io/library/debian:bookworm-slim
bash scripts/stand-ins.sh

# --- compose ------------------------------------------------------------------------------------
if [ "$ENGINE" = docker ] && docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
else
  VENV="$ROOT/.deps/compose-venv"
  MARKER="$VENV/.installed-$(sha256sum deploy/compose-test-requirements.txt | cut -c1-12)"
  if [ ! -f "$MARKER" ]; then
    say "installing podman-compose into .deps/compose-venv"
    rm -rf "$VENV"; python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r deploy/compose-test-requirements.txt >&2
    touch "$MARKER"
  fi
  # A container per service on its own networks, as docker compose does (not one shared pod).
  COMPOSE=("$VENV/bin/podman-compose" --in-pod false)
fi

# Secrets of this run only, and a free loopback port for the API.
API_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
secret() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
cat > "$WORK/env" <<EOF
POSTGRES_PASSWORD=$(secret 16)
MEDIA_SIGNING_SECRET=$(secret 32)
S3_ACCESS_KEY=facepipe-$(secret 4)
S3_SECRET_KEY=$(secret 16)
API_PORT=$API_PORT
PUBLIC_BASE_URL=http://127.0.0.1:$API_PORT
FACEPIPE_IMAGE=$IMAGE
EOF
compose() { "${COMPOSE[@]}" -p "$PROJECT" --env-file "$WORK/env" -f compose.yaml "$@"; }
BASE="http://127.0.0.1:$API_PORT"

# This run's container names, by compose's labels (docker and podman-compose set the same ones);
# ps options (-a, another --filter) pass through.
project_ps() { $ENGINE ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Names}}' "$@" | sort; }
# Containers of one service: all of them, or the running ones.
containers() { project_ps -a --filter "label=com.docker.compose.service=$1"; }
running() { project_ps --filter "label=com.docker.compose.service=$1"; }
health() { $ENGINE inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null || echo none; }

cleanup() {
  local status=$?
  [ -n "${HEALTH_DRIVER:-}" ] && kill "$HEALTH_DRIVER" 2>/dev/null || true
  if [ $status -ne 0 ]; then
    say "logs of the failed run (last 30 lines per container):"
    for c in $(project_ps -a); do
      echo "--- $c ($($ENGINE inspect --format '{{.State.Status}} exit {{.State.ExitCode}}' "$c"))" >&2
      $ENGINE logs --tail 30 "$c" >&2 2>&1 || true
    done
  fi
  if [ "${KEEP:-0}" = 1 ]; then say "left running (KEEP=1): ${COMPOSE[*]} -p $PROJECT --env-file $WORK/env down -v"
  else take_down; fi
  exit $status
}
# compose down, and every container of the project it may not know (scaled-up workers).
take_down() {
  compose down -v -t 10 >/dev/null 2>&1 || true
  local left
  left=$(project_ps -a)
  [ -z "$left" ] || $ENGINE rm -f -v $left >/dev/null 2>&1 || true
  compose down -v -t 1 >/dev/null 2>&1 || true
}
trap cleanup EXIT
take_down

# Podman without systemd schedules no health checks: run every container's own check every 2 s.
if [ "$ENGINE" = podman ] && [ ! -S /run/systemd/private ]; then
  ( while true; do
      for c in $(project_ps); do
        podman healthcheck run "$c" >/dev/null 2>&1 || true
      done
      sleep 2
    done ) &
  HEALTH_DRIVER=$!
fi

# wait_until DESCRIPTION COMMAND…: polls COMMAND until it succeeds; fails after $WAIT seconds.
wait_until() {
  local what=$1 deadline=$((SECONDS + WAIT)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || fail "$what: not within ${WAIT} s"
    sleep 1
  done
}
all_healthy() {
  local service c n=0
  for service in "$@"; do
    for c in $(running "$service"); do [ "$(health "$c")" = healthy ] || return 1; n=$((n + 1)); done
  done
  [ $n -gt 0 ]
}

# --- 1. start in the order the conditions give ----------------------------------------------------
say "starting db, minio, clamav"
compose up -d db minio clamav >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "compose up"; }
wait_until "db, minio and clamav healthy" all_healthy db minio clamav
t_infra=$((SECONDS - started))
# Each step only after the one it depends on (--no-deps: podman 4.3 cannot start a container whose
# dependency's dependency is already running).
say "starting migrate"
compose up -d --no-deps migrate >>"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "compose up migrate"; }
MIGRATE=$(containers migrate)
[ "$(echo "$MIGRATE" | wc -l)" = 1 ] || fail "expected one migrate container, got: $MIGRATE"
$ENGINE wait "$MIGRATE" >/dev/null
say "starting the API and two workers"
compose up -d --no-deps api worker >>"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "compose up api worker"; }
[ "$($ENGINE inspect --format '{{.State.ExitCode}}' "$MIGRATE")" = 0 ] || fail "migrate exited non-zero"
migrate_said=$($ENGINE logs "$MIGRATE" 2>&1 | grep -E 'applied migrations|schema is up to date' | tail -1)
[ -n "$migrate_said" ] || fail "migrate said neither 'applied migrations' nor 'schema is up to date'"
wait_until "api and workers healthy" all_healthy api worker
[ "$(running worker | wc -l)" = 2 ] || fail "expected 2 workers, got $(running worker | wc -l)"
migrate_finished=$($ENGINE inspect --format '{{.State.FinishedAt}}' "$MIGRATE")
for c in $(running api) $(running worker); do
  [[ "$($ENGINE inspect --format '{{.State.StartedAt}}' "$c")" > "$migrate_finished" ]] \
    || fail "$c started before migrate finished"
done
t_healthy=$((SECONDS - started))
say "healthy after ${t_healthy} s (infrastructure ${t_infra} s); migrate: $migrate_said"

API=$(running api)
KEY=$($ENGINE exec "$API" cat /data/admin.key) || fail "no admin key in the API container"
AUTH="Authorization: Bearer $KEY"

# --- photos: 38 landscapes (endless-sky-data's, public domain) and the 12 MP bench photos -------
PHOTOS="$WORK/photos"
DEB=endless-sky-data_0.9.8-1.2_all.deb
DEB_SHA=e45835e05a11e84bb1a890a0ded390246a53b8318f21a25925aa70fa54f80c13
if [ ! -f "$PHOTOS/.complete" ]; then
  mkdir -p .deps/distractor-debs
  if ! echo "$DEB_SHA  .deps/distractor-debs/$DEB" | sha256sum -c --status 2>/dev/null; then
    say "downloading $DEB (Debian)"
    (cd .deps/distractor-debs && apt-get download -qq endless-sky-data=0.9.8-1.2 >/dev/null)
    echo "$DEB_SHA  .deps/distractor-debs/$DEB" | sha256sum -c --status || fail "$DEB: checksum mismatch"
  fi
  rm -rf "$PHOTOS"; mkdir -p "$PHOTOS/x"
  dpkg-deb -x ".deps/distractor-debs/$DEB" "$PHOTOS/x"
  find "$PHOTOS/x/usr/share/games/endless-sky/images/land" -name '*.jpg' | sort | head -38 | xargs -I{} cp {} "$PHOTOS/"
  rm -rf "$PHOTOS/x"
  [ "$(ls "$PHOTOS"/*.jpg | wc -l)" = 38 ] || fail "expected 38 photos from $DEB"
  touch "$PHOTOS/.complete"
fi
# 4000x3000 JPEGs made from the test photos (pinned, checked): what sizes the workers' memory.
BENCH_IMAGES=12 bash scripts/fetch-test-photos.sh --bench
mapfile -t LARGE < <(ls .deps/testdata/bench-12mp/*.jpg | head -12)
[ "${#LARGE[@]}" = 12 ] || fail "expected 12 photos in .deps/testdata/bench-12mp"
mapfile -t LANDSCAPES < <(ls "$PHOTOS"/*.jpg)

# upload REPORT FILE…: ten files a request (UPLOAD_MAX_FILES; and the per-caller limit counts
# requests); prints each new image's id. A 503 (the scanner or the database busy) is retried after
# 5 s, as a client should; the retries are counted in $WORK/retries.
upload() {
  local report=$1 i attempt status args; shift
  local files=("$@")
  for ((i = 0; i < ${#files[@]}; i += 10)); do
    args=()
    for file in "${files[@]:i:10}"; do args+=(-F "files=@$file"); done
    for attempt in 1 2 3 4 5 6; do
      status=$(curl -sS -o "$WORK/upload.json" -w '%{http_code}' -H "$AUTH" "${args[@]}" -F "reportId=$report" "$BASE/upload/images")
      [ "$status" = 503 ] || break
      echo "503 $(cat "$WORK/upload.json")" >> "$WORK/retries"
      sleep 5
    done
    [[ "$status" == 2?? ]] || fail "upload answered $status: $(cat "$WORK/upload.json")"
    # Each file's own outcome: a new image's id, or why not (into $WORK/refused).
    python3 - "$WORK/upload.json" "$WORK/refused" <<'PY'
import json, sys
with open(sys.argv[2], "a") as refused:
    for f in json.load(open(sys.argv[1]))["files"]:
        if f.get("status") == "processing":
            print(f["id"])
        else:
            print(f.get("filename"), f.get("status"), json.dumps(f.get("error")), f.get("duplicate"), file=refused)
PY
  done
}
# processed IDS_FILE: how many of those images have finished processing.
processed_count() {
  local n=0 id status
  while read -r id; do
    status=$(curl -fsS -H "$AUTH" "$BASE/images/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("status"))')
    case "$status" in done) n=$((n + 1)) ;; failed) fail "image $id failed" ;; esac
  done < "$1"
  echo $n
}
all_processed() { [ "$(processed_count "$1")" = "$(wc -l < "$1")" ]; }

# --- 2. 25 photos, two workers ------------------------------------------------------------------
: > "$WORK/retries"; : > "$WORK/refused"
say "uploading 25 photos (two workers)"
t0=$SECONDS
upload compose-a "${LANDSCAPES[@]:0:25}" > "$WORK/ids-a"
[ "$(wc -l < "$WORK/ids-a")" = 25 ] || fail "25 uploads did not give 25 image ids: $(cat "$WORK/refused")"
wait_until "25 photos processed" all_processed "$WORK/ids-a"
t_batch_a=$((SECONDS - t0))

# --- 3. three workers, one killed mid-run ---------------------------------------------------------
say "scaling to three workers"
compose up -d --no-deps --scale worker=3 worker >>"$WORK/up.log" 2>&1 || { cat "$WORK/up.log" >&2; fail "compose up --scale worker=3"; }
three_workers() { [ "$(running worker | wc -l)" = 3 ]; }
wait_until "three workers running" three_workers
wait_until "three workers healthy" all_healthy worker
[ "$(containers migrate | wc -l)" = 1 ] || fail "scaling made another migrate container"
say "uploading 25 more photos (12 of them 12 MP) and killing a worker that holds a job"
t0=$SECONDS
upload compose-b "${LARGE[@]}" "${LANDSCAPES[@]:25:13}" > "$WORK/ids-b" &
UPLOADER=$!
DB=$(running db)
psql() { $ENGINE exec "$DB" psql -U facepipe -d facepipe -At -c "$1"; }
# The victim: the worker that holds a running job (claimed_by starts with its host name). It is
# paused before the jobs it holds are counted, so none can finish between the count and the kill;
# a worker that turns out to hold nothing by then is resumed and the next holder tried.
holder() { psql "SELECT split_part(claimed_by, ':', 1) FROM jobs WHERE status = 'running' AND kind = 'process_image' LIMIT 1"; }
job_held() { [ -n "$(holder)" ]; }
VICTIM=""; held=0
for try in $(seq 1 20); do
  wait_until "a worker holding a job" job_held
  host=$(holder); candidate=""
  for c in $(running worker); do
    [ "$($ENGINE inspect --format '{{.Config.Hostname}}' "$c")" = "$host" ] && candidate=$c
  done
  [ -n "$candidate" ] || continue
  $ENGINE pause "$candidate" >/dev/null
  held=$(psql "SELECT count(*) FROM jobs WHERE status = 'running' AND claimed_by LIKE '$host:%'")
  if [ "$held" -gt 0 ]; then VICTIM=$candidate; break; fi
  $ENGINE unpause "$candidate" >/dev/null
done
[ -n "$VICTIM" ] || fail "no worker still held a job when paused (20 tries)"
$ENGINE kill -s KILL "$VICTIM" >/dev/null
say "killed $VICTIM holding $held running job(s)"
wait "$UPLOADER" || fail "uploading the second 25"
[ "$(wc -l < "$WORK/ids-b")" = 25 ] || fail "25 uploads did not give 25 image ids: $(cat "$WORK/refused")"
wait_until "50 photos processed after the kill" all_processed "$WORK/ids-b"
t_batch_b=$((SECONDS - t0))
ids_sql=$(cat "$WORK/ids-a" "$WORK/ids-b" | sed "s/.*/'&'/" | paste -sd,)
processed_events=$(psql "SELECT count(*) FROM events WHERE type = 'image.processed' AND image_id IN ($ids_sql)")
processed_images=$(psql "SELECT count(DISTINCT image_id) FROM events WHERE type = 'image.processed' AND image_id IN ($ids_sql)")
lost=$((50 - processed_images)); twice=$((processed_events - processed_images))
[ "$(cat "$WORK/ids-a" "$WORK/ids-b" | sort -u | wc -l)" = 50 ] || fail "the 50 uploads did not make 50 images"
[ "$lost" = 0 ] && [ "$twice" = 0 ] || fail "image.processed: $processed_images of 50 photos, $twice more than once"

# --- 4. the database stopped and started again under a polling client ---------------------------
# A restart as quick as `podman restart` is ridden out by the pool (requests wait, then answer
# 200), so the database stays stopped until the client has seen the API refuse, then starts.
say "stopping the database container under a polling client"
# Emptied before the client starts (WORK outlives runs; emptied after, it could cut the client's
# first line and leave a line that reads as a refusal).
: > "$WORK/outage.log"
python3 - "$BASE/images?limit=1" "$KEY" "$WORK/outage.log" > "$WORK/outage.txt" <<'PY' &
import sys, time, urllib.request, urllib.error
url, key, log = sys.argv[1], sys.argv[2], open(sys.argv[3], "w", buffering=1)
seen, first_bad, recovered, after, slowest = {}, None, None, 0, 0.0
start = time.monotonic()
while time.monotonic() - start < 600:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    asked = time.monotonic()
    try:
        code = urllib.request.urlopen(request, timeout=30).status
    except urllib.error.HTTPError as error:
        code = error.code
    except Exception as error:
        code = "no-answer"
        print(f"no answer after {time.monotonic() - start:.1f} s: {error!r}", file=sys.stderr)
    slowest = max(slowest, time.monotonic() - asked)
    seen[code] = seen.get(code, 0) + 1
    print(code, file=log)
    now = time.monotonic() - start
    if code != 200:
        first_bad = now if first_bad is None else first_bad
        recovered, after = None, 0
    elif first_bad is not None:
        recovered = now - first_bad if recovered is None else recovered
        after += 1
        if after >= 20:  # twenty answers in a row after coming back: it stays up
            break
    time.sleep(0.2)
print(" ".join(f"{k}={v}" for k, v in seen.items()))
print(f"{recovered:.1f}" if recovered is not None else "never")
print(f"{slowest:.1f}")
PY
POLLER=$!
polled() { [ -s "$WORK/outage.log" ]; }
refused() { grep -qv '^200$' "$WORK/outage.log"; }
wait_until "the client's first answer" polled
$ENGINE stop -t 10 "$DB" >/dev/null
wait_until "the API refusing while the database is stopped" refused
$ENGINE start "$DB" >/dev/null
wait_until "database healthy again" all_healthy db
wait "$POLLER" || fail "the polling client failed"
outage_codes=$(sed -n 1p "$WORK/outage.txt"); outage_recovered=$(sed -n 2p "$WORK/outage.txt"); outage_slowest=$(sed -n 3p "$WORK/outage.txt")
echo "$outage_codes" | grep -q '503=' || fail "no 503 while the database was stopped ($outage_codes)"
! echo "$outage_codes" | grep -qE '(^| )5(0[0-2]|0[4-9])=' || fail "a 5xx other than 503 ($outage_codes)"
# A request that waits 30 s is a failure too, but the figures below are still worth printing.
PROBLEMS=()
! echo "$outage_codes" | grep -q 'no-answer=' \
  || PROBLEMS+=("requests without an answer within 30 s while the database was stopped ($outage_codes)")
[ "$outage_recovered" != never ] || fail "the API did not answer 200 again by itself ($outage_codes)"
wait_until "api and workers healthy after the restart" all_healthy api worker

# --- 5. not root, read-only root ---------------------------------------------------------------------
for c in $(running api) $(running worker); do
  uid=$($ENGINE exec "$c" id -u)
  [ "$uid" != 0 ] || fail "$c runs as root"
  [ "$($ENGINE inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$c")" = true ] || fail "$c: root filesystem is writable"
  ! $ENGINE exec "$c" sh -c 'echo x > /opt/facepipe/probe' 2>/dev/null || fail "$c could write under /opt"
done

# --- figures --------------------------------------------------------------------------------------
# Peak memory per container, from its cgroup (v1 max_usage_in_bytes, v2 memory.peak).
peak() {
  local path file
  path=$($ENGINE inspect --format '{{.State.CgroupPath}}' "$1" 2>/dev/null) || return 0
  for file in "/sys/fs/cgroup/memory$path/memory.max_usage_in_bytes" "/sys/fs/cgroup$path/memory.peak"; do
    [ -r "$file" ] && { echo "$(( $(cat "$file") / 1000000 )) MB"; return 0; }
  done
  echo "?"
}
mem=$(for c in $(project_ps); do
  printf '%s %s; ' "${c#"$PROJECT"[-_]}" "$(peak "$c")"; done)
size=$($ENGINE image inspect --format '{{.Size}}' "$IMAGE")
cat <<EOF
compose-test: $([ ${#PROBLEMS[@]} = 0 ] && echo passed || echo "FAILED (below)") in $((SECONDS - started)) s ($ENGINE, ${COMPOSE[*]##*/})
  image $IMAGE: $((size / 1000000)) MB
  healthy: db, minio, clamav after ${t_infra} s; migrate once (exit 0: $migrate_said), then api and 2 workers after ${t_healthy} s
  25 photos, 2 workers: processed in ${t_batch_a} s
  25 photos (12 of 12 MP), 3 workers, $VICTIM killed holding $held running job(s): all processed in ${t_batch_b} s
  uploads answered 503 and retried: $(wc -l < "$WORK/retries")$(cut -c1-160 "$WORK/retries" | sort | uniq -c | sed 's/^ */; /' | tr -d '\n')
  50 photos: $processed_images processed, $lost lost, $twice processed twice (image.processed events: $processed_events)
  database stopped until the API refused, then started: answers $outage_codes (slowest ${outage_slowest} s); 200 again ${outage_recovered} s after the first 503, no 500
  api and workers: uid $uid, read-only root filesystem
  peak memory: $mem
EOF
[ ${#PROBLEMS[@]} = 0 ] || fail "${PROBLEMS[*]}"

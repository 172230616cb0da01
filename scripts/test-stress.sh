#!/usr/bin/env bash
# make test-stress: the Swift suite, the database-outage suite and the browser tests while
# another process keeps every core busy, STRESS_RUNS times in a row (3 by default). A test that
# decides by the wall clock fails here; one that decides by events passes, only slower.
# The busy loops run at the same priority as the tests: that is the machine CI may get.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${STRESS_RUNS:-3}"
busy=()
stop_busy() { for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_busy EXIT
for _ in $(seq "$(nproc)"); do
  bash -c 'while :; do :; done' &
  busy+=($!)
done
echo "test-stress: ${#busy[@]} busy loops on $(nproc) cores; $runs runs"
for run in $(seq "$runs"); do
  started=$(date +%s)
  echo "== test-stress run $run of $runs"
  FACEPIPE_TEST_STRESS=1 bash scripts/run-tests.sh
  echo "== test-stress run $run of $runs passed after $(( $(date +%s) - started )) s"
done
# The database-outage suite again, OUTAGE_LOOPS times (10 by default), still under the busy loops:
# a pool that does not come back after a restart shows up as a failure here.
loops="${OUTAGE_LOOPS:-10}"
(
  source scripts/test-services.sh  # stopped when this subshell ends
  for loop in $(seq "$loops"); do
    echo "== test-stress: DatabaseOutageTests $loop of $loops"
    FACEPIPE_OUTAGE_TESTS=1 swift test --skip-build --filter DatabaseOutageTests
  done
)
echo "test-stress: $runs of $runs runs passed, then DatabaseOutageTests $loops of $loops times"

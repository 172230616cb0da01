#!/usr/bin/env bash
# make sanitize: the Swift suite built and run under AddressSanitizer, then under
# ThreadSanitizer, against the same real services as make test. Each sanitizer builds into a
# folder of its own (.build/asan, .build/tsan), so neither disturbs the ordinary debug build.
# A report from either makes the run fail.
set -euo pipefail
cd "$(dirname "$0")/.."
cleanup() {
  bash scripts/test-db.sh stop || true
  bash scripts/test-clamd.sh stop || true
  bash scripts/test-moto.sh stop || true
  TEST_MOTO_INSTANCE=test-moto-auth bash scripts/test-moto.sh stop || true
}
trap cleanup EXIT
bash scripts/test-db.sh start
bash scripts/test-clamd.sh start
bash scripts/test-moto.sh start
TEST_MOTO_INSTANCE=test-moto-auth TEST_MOTO_PORT=25445 bash scripts/test-moto.sh start
export FACEPIPE_TEST_DATABASE_URL="$(bash scripts/test-db.sh url)"
export FACEPIPE_TEST_CLAMD_SOCKET="$(bash scripts/test-clamd.sh socket)"
export FACEPIPE_TEST_CLAMD_TCP="127.0.0.1:$(cat .data/clamd/tcp.port)"
export FACEPIPE_TEST_S3_ENDPOINT="$(bash scripts/test-moto.sh url)"
export FACEPIPE_TEST_S3_AUTH_ENDPOINT="$(TEST_MOTO_INSTANCE=test-moto-auth bash scripts/test-moto.sh url)"
# Reports end the run with a failure; leaks are not checked (the suite's long-lived pools and
# caches would drown real reports).
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
for sanitizer in address thread; do
  folder=".build/${sanitizer:0:1}san"
  echo "== make sanitize: $sanitizer ($folder)"
  swift build --build-tests --sanitize="$sanitizer" --scratch-path "$folder"
  swift test --skip-build --sanitize="$sanitizer" --scratch-path "$folder"
  echo "== make sanitize: $sanitizer clean"
done

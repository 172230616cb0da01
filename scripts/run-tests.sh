#!/usr/bin/env bash
# Runs the test suite against real services started here and stopped after: a throw-away
# PostgreSQL, clamd with a test signature, and moto_server (S3 protocol) on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-services.sh
# Each step's time goes to the log, so a slow CI run shows where its minutes went.
step() {
  local name=$1 started=$SECONDS; shift
  "$@"
  echo "[make test] $name: $((SECONDS - started)) s (all steps so far $SECONDS s)" >&2
}
step "build" swift build --build-tests
step "Swift suite" swift test --skip-build "$@"
# PostgreSQL stopped, paused and restarted under a running API, on a quiet machine (see the suite).
FACEPIPE_OUTAGE_TESTS=1 step "outage suite" swift test --skip-build --filter DatabaseOutageTests
if [ "${FACEPIPE_TEST_STRESS:-}" = 1 ]; then
  # make test-stress: the Swift suites above and the pages below, while both cores are busy.
  step "pages" .deps/venv/bin/python -m pytest -q -p no:cacheprovider Tests/ui
  exit 0
fi
# Coverage-guided fuzzing (libFuzzer) of hashing, upload names/options, the WebP stripper and the
# whole upload validation path: a repeatable run here (seed 1, ~10 s per target); `make fuzz`
# searches for 10 minutes per target.
step "fuzzing" bash scripts/fuzz.sh --repeatable
# The README's first steps on a fresh working folder, as the user running this (root in CI).
step "quick start" bash scripts/quickstart-test.sh
# The container, compose and Kubernetes files, checked offline.
step "deploy files" bash scripts/check-deploy.sh
# The web UI in Debian's Chromium (Playwright), against a real server; screenshots go to docs/screenshots.
step "pages" .deps/venv/bin/python -m pytest -q -p no:cacheprovider Tests/ui
# The API contract, fuzzed against a live server: no 5xx, every response as openapi.yaml says.
step "API fuzzing" bash scripts/fuzz-api.sh "${FUZZ_MAX_EXAMPLES:-25}"
# Workers killed with SIGKILL while photos are uploaded (short run; `make chaos` is the long one).
step "chaos" .build/debug/facepipe bench chaos --database-url "$FACEPIPE_TEST_DATABASE_URL" --photos 24 --kills 5
# Concurrent uploaders and readers against one server (short run; `make bench-load` is the long one).
step "load" .build/debug/facepipe bench load --database-url "$FACEPIPE_TEST_DATABASE_URL" --clients 20 --seconds 10 --mixed

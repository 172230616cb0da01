#!/usr/bin/env bash
# Runs the test suite against a throw-away PostgreSQL cluster started here and stopped after.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-db.sh start
trap 'bash scripts/test-db.sh stop' EXIT
export FACEPIPE_TEST_DATABASE_URL="$(bash scripts/test-db.sh url)"
swift build --build-tests
swift test --skip-build "$@"

#!/usr/bin/env bash
# make sanitize: the Swift suite built and run under AddressSanitizer, then under
# ThreadSanitizer, against the same real services as make test. Each sanitizer builds into a
# folder of its own (.build/asan, .build/tsan), so neither disturbs the ordinary debug build.
# A report from either makes the run fail.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/test-services.sh
# Reports end the run with a failure; leaks are not checked (the suite's long-lived pools and
# caches would drown real reports).
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
for sanitizer in address thread; do
  folder=".build/${sanitizer:0:1}san"
  echo "== make sanitize: $sanitizer ($folder)"
  swift build --build-tests --sanitize="$sanitizer" --scratch-path "$folder"
  # One test at a time: sanitized code runs 3 to 10 times slower, and in a parallel run the
  # tests that compute on the two cooperative threads starved the others (an await took about
  # 20 s, and a test waited out its 300 s bound before its wait could be given up).
  swift test --skip-build --no-parallel --sanitize="$sanitizer" --scratch-path "$folder"
  echo "== make sanitize: $sanitizer clean"
done

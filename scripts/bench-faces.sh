#!/usr/bin/env bash
# facepipe anonymize vs deface (PyPI, in its own venv) on the same folder of photos, same
# machine, same run. Usage: scripts/bench-faces.sh [folder] (default: the 12 MP bench photos).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-.deps/testdata/bench-12mp}"
BIN="${FACEPIPE_BIN:-.build/release/facepipe}"
VENV=.deps/deface-venv
[ -x "$BIN" ] || { echo "build facepipe first (swift build -c release)" >&2; exit 1; }
if [ ! -f "$VENV/.deface-1.5.0" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check deface==1.5.0 onnxruntime==1.31.1 >&2
  touch "$VENV/.deface-1.5.0"
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
IMAGES=$(find "$DIR" -maxdepth 1 -name '*.jpg' | sort)
COUNT=$(echo "$IMAGES" | wc -l)
echo "faces benchmark: $COUNT images from $DIR, $(nproc) cores"

# deface: its defaults (CPU ONNX Runtime, --thresh 0.2, blur, ellipse, mask scale 1.3).
start=$(date +%s.%N)
# shellcheck disable=SC2086
"$VENV/bin/deface" $IMAGES --output "$OUT/deface" --thresh 0.2 >/dev/null 2>&1 || \
  for f in $IMAGES; do "$VENV/bin/deface" "$f" --output "$OUT/deface-$(basename "$f")" >/dev/null 2>&1; done
end=$(date +%s.%N)
deface_rate=$(python3 -c "print(f'{$COUNT/($end-$start):.2f}')")
echo "deface 1.5.0:        $deface_rate images/s ($(python3 -c "print(f'{$end-$start:.1f}')") s)"

start=$(date +%s.%N)
# shellcheck disable=SC2086
"$BIN" anonymize $IMAGES -o "$OUT/facepipe" --thresh 0.2 | sed 's/^/  /'
end=$(date +%s.%N)
facepipe_rate=$(python3 -c "print(f'{$COUNT/($end-$start):.2f}')")
echo "facepipe anonymize:  $facepipe_rate images/s ($(python3 -c "print(f'{$end-$start:.1f}')") s, including process start)"
python3 -c "print(f'speed-up: {$facepipe_rate/$deface_rate:.1f}x')"

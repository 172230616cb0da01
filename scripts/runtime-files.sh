#!/usr/bin/env bash
# The Dockerfile's build stage runs this after the release build: it gathers what the runtime
# image needs, and only that, into OUT (default /out):
#   OUT/bin          the binary, stripped, with its resource bundles
#   OUT/models       the face models; OUT/onnxruntime  ONNX Runtime (opened with dlopen)
#   OUT/lib          every shared library the binary, ONNX Runtime and libvips' modules load, as
#                    ldd resolves them (so OpenBLAS, not the reference BLAS), under the names they
#                    are asked for; glibc's own libraries are left out (the runtime base has them)
#   OUT/root         files that must sit at their own absolute path: libvips' loadable modules
#                    (HEIF/AVIF, JPEG XL, PDF, …), which libvips looks for where it was built to
# Installing libvips and dlib with apt in the runtime stage instead brought 300 MB of packages
# the binary never opens (dlib's 97 MB of model data, ImageMagick's and GTK's data, ICU's).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/out}
say() { printf '\033[1m[runtime-files]\033[0m %s\n' "$*" >&2; }
rm -rf "$OUT"; mkdir -p "$OUT"/{bin,lib,models,onnxruntime}

cp .build/release/facepipe "$OUT/bin/"
strip "$OUT/bin/facepipe"
cp -r .build/release/*.resources "$OUT/bin/"
cp -r .deps/models/. "$OUT/models/"
cp -L .deps/onnxruntime/lib/libonnxruntime.so.* "$OUT/onnxruntime/"

MODULES="$(pkg-config --variable=libdir vips)/vips-modules-$(pkg-config --modversion vips | cut -d. -f1,2)"
[ -d "$MODULES" ] || { say "no libvips modules at $MODULES"; exit 1; }
mkdir -p "$OUT/root$MODULES"
cp "$MODULES"/*.so "$OUT/root$MODULES/"

objects=("$OUT/bin/facepipe" "$OUT"/onnxruntime/* "$OUT/root$MODULES"/*.so)
if ldd "${objects[@]}" | grep 'not found'; then say "a library above is missing in the build stage"; exit 1; fi
ldd "${objects[@]}" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u | while read -r name path; do
  case "$name" in
    libc.so.*|libm.so.*|libmvec.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|libutil.so.*|ld-linux*) ;;
    *) cp -L "$path" "$OUT/lib/$name" ;;
  esac
done
say "$(ls "$OUT/lib" | wc -l) libraries, $(du -sh "$OUT" | cut -f1) in all"

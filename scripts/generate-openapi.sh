#!/usr/bin/env bash
# Regenerates the API's Swift types and server stubs from Sources/Server/openapi.yaml into
# Sources/Server/Generated (`make openapi`), and records what they were generated from.
#
# Why generated code is committed rather than made by the build plugin: the plugin makes every
# clean build compile the generator and its dependencies first (OpenAPIKit, Yams, …: about
# 3.5 minutes on 2 cores, measured with `swift build --product swift-openapi-generator` on a
# fresh scratch path), and nothing else starts before it. The generator's output is the same
# byte for byte either way. `OpenAPIGeneratedFromTests` fails when openapi.yaml or the
# generator's configuration changed and this was not run.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=Sources/Server/Generated
SPEC=Sources/Server/openapi.yaml
CONFIG=$OUT/openapi-generator-config.yaml
swift build --product swift-openapi-generator
GENERATOR="$(swift build --show-bin-path)/swift-openapi-generator"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$GENERATOR" generate --config "$CONFIG" --output-directory "$TMP" "$SPEC" >/dev/null
[ -s "$TMP/Types.swift" ] || { echo "generate-openapi: the generator wrote no Types.swift; $OUT left as it was" >&2; exit 1; }
# Replace the generated files only (the configuration and the fingerprint stay).
find "$OUT" -maxdepth 1 -name '*.swift' ! -name 'OpenAPIGeneratedFrom.swift' -delete
cp "$TMP"/*.swift "$OUT"/
# An empty file (no client is generated) is left out.
find "$OUT" -maxdepth 1 -name '*.swift' -empty -delete
spec_sha=$(sha256sum "$SPEC" | cut -d' ' -f1)
config_sha=$(sha256sum "$CONFIG" | cut -d' ' -f1)
cat > "$OUT/OpenAPIGeneratedFrom.swift" <<SWIFT
// Written by scripts/generate-openapi.sh (make openapi), do not modify.
/// What the files beside this one were generated from (SHA-256 of each input file).
enum OpenAPIGeneratedFrom {
    static let openAPIDocumentSHA256 = "$spec_sha"
    static let generatorConfigSHA256 = "$config_sha"
}
SWIFT
echo "generated $(ls "$OUT"/*.swift | wc -l) files in $OUT from $SPEC"

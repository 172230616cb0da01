#!/usr/bin/env bash
# Offline checks of the deployment files (part of `make test`; no Docker engine or cluster here):
#  - the Dockerfile builds with the set-up script development uses, copies files that exist, and
#    points the runtime at the files that script produces;
#  - compose.yaml is valid against the Compose Specification schema, takes every secret from .env
#    without a default, and has a health check on every long-running service;
#  - the Kubernetes overlays render (kubectl kustomize) and every object validates strictly
#    against the Kubernetes schemas (PyPI kubernetes-validate, offline);
#  - every setting the compose file and the ConfigMap pass is one the README documents.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.deps/venv/bin/python"
say() { printf '\033[1m[deploy]\033[0m %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

# --- Dockerfile -------------------------------------------------------------------------------
grep -q '^RUN bash scripts/setup.sh --runtime$' Dockerfile || fail "the Dockerfile does not run scripts/setup.sh --runtime"
for path in $(awk '/^COPY [^-]/ {print $2}' Dockerfile); do
  [ -e "$path" ] || fail "Dockerfile copies $path, which does not exist"
done
for script in scripts/setup.sh scripts/fetch-models.sh scripts/fetch-dlib-models.sh; do
  grep -q "$(basename "$script")" scripts/setup.sh Dockerfile || fail "$script is not part of the image's set-up"
done
for model in centerface.onnx shape_predictor_5_face_landmarks.dat dlib_face_recognition_resnet_model_v1.dat; do
  [ -f ".deps/models/$model" ] || fail "set-up did not produce .deps/models/$model"
  grep -rq "$model" Dockerfile Sources/FacepipeCore/Config Sources/Faces || fail "$model is named nowhere the image finds it"
done
ORT=$(sed -n 's/.*ONNXRUNTIME_LIBRARY=\/opt\/facepipe\/onnxruntime\/\([^ \\]*\).*/\1/p' Dockerfile)
[ -f ".deps/onnxruntime/lib/$ORT" ] || fail "the image expects onnxruntime/$ORT, set-up produces $(ls .deps/onnxruntime/lib)"
grep -q 'USER facepipe' Dockerfile && grep -q 'HEALTHCHECK' Dockerfile || fail "the image must run as a non-root user with a health check"

# --- compose.yaml -----------------------------------------------------------------------------
WHEEL=docker_compose-1.29.2-py2.py3-none-any.whl
SHA=8d5589373b35c8d3b1c8c1182c6e4a4ff14bffa3dd0b605fcd08f73c94cef809
mkdir -p .deps/wheels .deps/compose-schema
if [ ! -f .deps/compose-schema/compose_spec.json ]; then
  [ -f ".deps/wheels/$WHEEL" ] || "$PY" -m pip download --quiet --no-deps --dest .deps/wheels docker-compose==1.29.2 >&2
  echo "$SHA  .deps/wheels/$WHEEL" | sha256sum -c --status || fail "checksum mismatch for $WHEEL"
  unzip -q -o -j ".deps/wheels/$WHEEL" compose/config/compose_spec.json -d .deps/compose-schema
fi
"$PY" - <<'PY' || fail "compose.yaml"
import json, re, sys, yaml, jsonschema
text = open("compose.yaml").read()
schema = json.load(open(".deps/compose-schema/compose_spec.json"))
document = yaml.safe_load(text)
document.pop("x-facepipe", None)  # extension fields (x-…) are allowed by the spec; this schema predates them at the top
jsonschema.validate(document, schema)
for secret in ("POSTGRES_PASSWORD", "MEDIA_SIGNING_SECRET", "S3_ACCESS_KEY", "S3_SECRET_KEY"):
    uses = re.findall(r"\$\{" + secret + r"(:?[?-])?", text)
    assert uses and all(use == ":?" for use in uses), f"{secret} must come from .env with no default (${{{secret}:?…}})"
for name, service in document["services"].items():
    if name == "migrate":
        continue
    assert "healthcheck" in service or name in ("migrate",), f"service {name} has no health check"
print(f"compose.yaml: valid, {len(document['services'])} services", file=sys.stderr)
PY

# --- Kubernetes -------------------------------------------------------------------------------
RENDERED=$(mktemp)
trap 'rm -f "$RENDERED"' EXIT
if command -v kubectl >/dev/null 2>&1; then
  kubectl kustomize deploy/kubernetes/overlays/production > "$RENDERED"
else
  # Debian 12 has no kubectl package: without one, the base manifests are validated as written.
  say "kubectl is not installed: validating the base manifests without rendering the overlay"
  for file in deploy/kubernetes/base/*.yaml deploy/kubernetes/overlays/production/namespace.yaml; do
    case "$file" in */kustomization.yaml) continue ;; esac
    cat "$file"; echo "---"
  done > "$RENDERED"
fi
! grep -q '^kind: Secret' "$RENDERED" || fail "the rendered manifests carry a Secret: placeholders would reach a cluster"
"$ROOT/.deps/venv/bin/kubernetes-validate" --strict --kubernetes-version 1.32 "$RENDERED" >&2 \
  || fail "the rendered manifests do not validate"
say "kubernetes: $(grep -c '^kind:' "$RENDERED") objects rendered and valid (strict, 1.32)"

# --- settings are documented ------------------------------------------------------------------
"$PY" - "$RENDERED" <<'PY' || fail "settings"
import re, sys, yaml
readme = open("README.md").read()
names = set()
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if doc and doc.get("kind") in ("ConfigMap", "Secret"):
        names |= set((doc.get("data") or {}) | (doc.get("stringData") or {}))
compose = yaml.safe_load(open("compose.yaml"))
for service in compose["services"].values():
    env = service.get("environment") or {}
    names |= {key for key in env if not key.startswith(("POSTGRES_", "MINIO_"))}
names |= set((compose["x-facepipe"]["environment"]))
names |= set(yaml.safe_load(open("deploy/kubernetes/secret.template.yaml"))["stringData"])
undocumented = sorted(name for name in names if f"`{name}`" not in readme)
assert not undocumented, f"not in the README's configuration table: {undocumented}"
print(f"settings: {len(names)} names, all documented", file=sys.stderr)
PY
say "passed"

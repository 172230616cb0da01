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
for path in $(awk '/^COPY [^-]/ {for (i = 2; i < NF; i++) print $i}' Dockerfile); do
  [ -e "$path" ] || fail "Dockerfile copies $path, which does not exist"
done
# Every script `setup.sh --runtime` runs is copied in before it runs.
SETUP_COPY=$(grep -m1 '^COPY scripts/setup.sh ' Dockerfile) || fail "the Dockerfile does not copy scripts/setup.sh"
for script in $(sed -n '/RUNTIME_ONLY" = true ]; then/,/^fi/p' scripts/setup.sh | grep -o 'scripts/[a-z-]*\.sh' | sort -u); do
  echo "$SETUP_COPY" | grep -q " $script " || fail "setup.sh --runtime runs $script, which the Dockerfile does not copy before it"
done
grep -q 'scripts/runtime-files.sh' Dockerfile || fail "the Dockerfile does not gather the runtime files"
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
  for file in deploy/kubernetes/base/*.yaml deploy/kubernetes/overlays/production/*.yaml; do
    case "$file" in */kustomization.yaml) continue ;; esac
    cat "$file"; echo "---"
  done > "$RENDERED"
fi
! grep -q '^kind: Secret' "$RENDERED" || fail "the rendered manifests carry a Secret: placeholders would reach a cluster"
"$ROOT/.deps/venv/bin/kubernetes-validate" --strict --kubernetes-version 1.32 "$RENDERED" >&2 \
  || fail "the rendered manifests do not validate"
say "kubernetes: $(grep -c '^kind:' "$RENDERED") objects rendered and valid (strict, 1.32)"

# Every in-cluster host a ConfigMap names (a *_HOST value, or a URL's host without a dot) is a
# Service in the same output; PUBLIC_BASE_URL is https and served by an Ingress with TLS for its host.
"$PY" - "$RENDERED" <<'PY' || fail "hosts"
import ipaddress, sys, yaml
from urllib.parse import urlparse
documents = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
services = {d["metadata"]["name"] for d in documents if d["kind"] == "Service"}
tls_hosts = {host for d in documents if d["kind"] == "Ingress" for tls in d["spec"].get("tls", []) for host in tls["hosts"]}
def is_address(host):
    try: ipaddress.ip_address(host); return True
    except ValueError: return False
checked = 0
for document in documents:
    if document["kind"] != "ConfigMap":
        continue
    for key, value in (document.get("data") or {}).items():
        host = None
        if key.endswith("_HOST"):
            host = value
        elif "://" in str(value):
            host = urlparse(value).hostname
            if key == "PUBLIC_BASE_URL":
                assert urlparse(value).scheme == "https", f"PUBLIC_BASE_URL is not https: {value}"
                assert host in tls_hosts, f"PUBLIC_BASE_URL's host {host} has no Ingress with TLS (have {sorted(tls_hosts)})"
                continue
            if "." in (host or ""):
                continue  # outside the cluster (S3, an identity provider)
        if host is None or is_address(host):
            continue
        assert host in services, f"ConfigMap {document['metadata']['name']}: {key}={value} names {host}, which is no Service ({sorted(services)})"
        checked += 1
print(f"hosts: {checked} in-cluster hosts are Services; PUBLIC_BASE_URL served with TLS", file=sys.stderr)
PY

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

#!/usr/bin/env bash
# Offline checks of the deployment files (part of `make test`; no Docker engine or cluster here):
#  - the Dockerfile builds with the set-up script development uses, copies files that exist, and
#    points the runtime at the files that script produces;
#  - compose.yaml is valid against the Compose Specification schema, takes every secret from .env
#    without a default, and has a health check on every long-running service;
#  - compose.dev.yaml is valid against the same schema, runs the image's set-up script in the
#    Dockerfile's Swift image, has the same third-party services as compose.yaml, publishes on
#    loopback only, and its secrets' defaults are marked dev-only (and pass facepipe's check);
#  - the Kubernetes overlays (production, k3d) render (kubectl kustomize) and every object
#    validates strictly against the Kubernetes schemas (PyPI kubernetes-validate, offline);
#  - every setting the compose files and the ConfigMaps pass is one the README documents.
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

# --- compose.dev.yaml (development only: its secrets have defaults, on purpose) -------------------
"$PY" - <<'PY' || fail "compose.dev.yaml"
import json, re, sys, yaml, jsonschema
text = open("compose.dev.yaml").read()
schema = json.load(open(".deps/compose-schema/compose_spec.json"))
document = yaml.safe_load(text)
# The top-level `name` (the project name, so that it never shares containers or volumes with
# compose.yaml's project) is in the current Compose Specification; this pinned schema predates it.
assert document.pop("name", None) == "facepipe-dev", "compose.dev.yaml must name its own project (name: facepipe-dev)"
jsonschema.validate(document, schema)
services = document["services"]
dev = services["facepipe"]
# The same set-up as the image's build stage, in the same Swift image.
command = " ".join(dev["command"])
assert "scripts/setup.sh --runtime" in command and command.index("setup.sh") < command.index("dev-server.sh"), \
    "the facepipe service must run scripts/setup.sh --runtime before scripts/dev-server.sh"
build_from = re.search(r"^FROM (swift:\S+) AS build$", open("Dockerfile").read(), re.M).group(1)
assert dev["image"] == "${SWIFT_IMAGE:-" + build_from + "}", f"the toolchain image must be ${{SWIFT_IMAGE:-{build_from}}} (the Dockerfile's)"
assert any(str(v).startswith("build:") and str(v).endswith(":/src/.build") for v in dev["volumes"]), ".build must be a named volume"
image_ort = re.search(r"ONNXRUNTIME_LIBRARY=\S*/(libonnxruntime\S*)", open("Dockerfile").read()).group(1)
assert dev["environment"]["ONNXRUNTIME_LIBRARY"] == "/src/.deps/onnxruntime/lib/" + image_ort, f"ONNXRUNTIME_LIBRARY must be set-up's {image_ort}"
for service in services.values():
    for port in service.get("ports", []):
        assert str(port).startswith("127.0.0.1:"), f"{port}: development ports are published on loopback only"
# The same third-party services as compose.yaml.
production = yaml.safe_load(open("compose.yaml"))["services"]
for name in ("db", "minio", "clamav"):
    assert services[name]["image"] == production[name]["image"], f"{name}: {services[name]['image']} is not compose.yaml's {production[name]['image']}"
for name, service in services.items():
    assert "healthcheck" in service, f"service {name} has no health check"
# Every secret has a default marked dev-only, the same in every use (the database's password
# and DATABASE_URL's must agree).
for secret in ("POSTGRES_PASSWORD", "MEDIA_SIGNING_SECRET", "S3_ACCESS_KEY", "S3_SECRET_KEY"):
    uses = re.findall(r"\$\{" + secret + r"(?:(:-)([^}]*))?\}", text)
    assert uses and all(sign == ":-" for sign, _ in uses), f"{secret}: every use needs a default (${{{secret}:-dev-only-…}})"
    defaults = {value for _, value in uses}
    assert len(defaults) == 1, f"{secret}: one default everywhere, not {sorted(defaults)}"
    default = defaults.pop()
    assert default.startswith("dev-only-"), f"{secret}'s default must start with dev-only-: {default}"
    if secret == "MEDIA_SIGNING_SECRET":
        # facepipe's own rule (SecretStrength): at least 32 characters, no placeholder word, variety.
        swift = open("Sources/FacepipeCore/Config/SecretStrength.swift").read()
        words = re.findall(r'"([^"]+)"', re.search(r"placeholderWords = \[(.*?)\]", swift, re.S).group(1))
        distinct = int(re.search(r"minimumDistinctCharacters = (\d+)", swift).group(1))
        assert len(default) >= 32 and len(set(default)) >= distinct and not any(w in default.lower() for w in words), \
            f"facepipe would refuse MEDIA_SIGNING_SECRET's default {default!r}"
print(f"compose.dev.yaml: valid, {len(services)} services, dev-only secrets", file=sys.stderr)
PY

# --- Kubernetes -------------------------------------------------------------------------------
OVERLAYS=(production k3d)
RENDER_DIR=$(mktemp -d)
trap 'rm -rf "$RENDER_DIR"' EXIT
KUSTOMIZE=true
command -v kubectl >/dev/null 2>&1 || {
  KUSTOMIZE=false
  # Debian 12 has no kubectl package: without one, the files are validated as written.
  say "kubectl is not installed: validating the base and overlay files without rendering them"
}
for overlay in "${OVERLAYS[@]}"; do
  RENDERED="$RENDER_DIR/$overlay.yaml"
  if [ "$KUSTOMIZE" = true ]; then
    kubectl kustomize "deploy/kubernetes/overlays/$overlay" > "$RENDERED"
  else
    # The base's files and the overlay's own resources (not its patches).
    resources=$(sed -n '/^resources:/,/^[a-z]/s/^  - \([a-z-]*\.yaml\)$/\1/p' "deploy/kubernetes/overlays/$overlay/kustomization.yaml")
    for file in deploy/kubernetes/base/*.yaml; do
      case "$file" in */kustomization.yaml) continue ;; esac
      cat "$file"; echo "---"
    done > "$RENDERED"
    for file in $resources; do cat "deploy/kubernetes/overlays/$overlay/$file"; echo "---"; done >> "$RENDERED"
  fi
  ! grep -q '^kind: Secret' "$RENDERED" || fail "$overlay: the rendered manifests carry a Secret: placeholders would reach a cluster"
  "$ROOT/.deps/venv/bin/kubernetes-validate" --strict --kubernetes-version 1.32 "$RENDERED" >&2 \
    || fail "$overlay: the rendered manifests do not validate"
  say "kubernetes $overlay: $(grep -c '^kind:' "$RENDERED") objects rendered and valid (strict, 1.32)"
done

# Every in-cluster host a ConfigMap names (a *_HOST value, or a URL's host without a dot) is a
# Service in the same output. PUBLIC_BASE_URL is https and served by an Ingress with TLS for its
# host, or (an overlay without an Ingress, reached through kubectl port-forward) http on localhost.
for overlay in "${OVERLAYS[@]}"; do
  if [ "$KUSTOMIZE" = false ] && [ "$overlay" != production ]; then
    say "hosts $overlay: not checked without kubectl (its ConfigMap is a patch)"
    continue
  fi
  "$PY" - "$RENDER_DIR/$overlay.yaml" "$overlay" <<'PY' || fail "hosts ($overlay)"
import ipaddress, sys, yaml
from urllib.parse import urlparse
documents = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
services = {d["metadata"]["name"] for d in documents if d["kind"] == "Service"}
ingresses = [d for d in documents if d["kind"] == "Ingress"]
assert ingresses or sys.argv[2] != "production", "the production overlay has no Ingress"
tls_hosts = {host for d in ingresses for tls in d["spec"].get("tls", []) for host in tls["hosts"]}
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
                if ingresses:
                    assert urlparse(value).scheme == "https", f"PUBLIC_BASE_URL is not https: {value}"
                    assert host in tls_hosts, f"PUBLIC_BASE_URL's host {host} has no Ingress with TLS (have {sorted(tls_hosts)})"
                else:
                    assert host in ("localhost", "127.0.0.1"), f"no Ingress: PUBLIC_BASE_URL must be the port-forward's localhost, not {value}"
                continue
            if "." in (host or ""):
                continue  # outside the cluster (S3, an identity provider)
        if host is None or is_address(host):
            continue
        assert host in services, f"ConfigMap {document['metadata']['name']}: {key}={value} names {host}, which is no Service ({sorted(services)})"
        checked += 1
how = "served with TLS" if ingresses else "on localhost (port-forward)"
print(f"hosts {sys.argv[2]}: {checked} in-cluster hosts are Services; PUBLIC_BASE_URL {how}", file=sys.stderr)
PY
done

# --- settings are documented ------------------------------------------------------------------
"$PY" - "$RENDER_DIR"/*.yaml <<'PY' || fail "settings"
import re, sys, yaml
readme = open("README.md").read()
names = set()
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc and doc.get("kind") in ("ConfigMap", "Secret"):
            names |= set((doc.get("data") or {}) | (doc.get("stringData") or {}))
compose = yaml.safe_load(open("compose.yaml"))
for file in ("compose.yaml", "compose.dev.yaml"):
    for service in yaml.safe_load(open(file))["services"].values():
        env = service.get("environment") or {}
        names |= {key for key in env if not key.startswith(("POSTGRES_", "MINIO_"))}
names |= set((compose["x-facepipe"]["environment"]))
names |= set(yaml.safe_load(open("deploy/kubernetes/secret.template.yaml"))["stringData"])
undocumented = sorted(name for name in names if f"`{name}`" not in readme)
assert not undocumented, f"not in the README's configuration table: {undocumented}"
print(f"settings: {len(names)} names, all documented", file=sys.stderr)
PY
say "passed"

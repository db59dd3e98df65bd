#!/usr/bin/env bash
# Pulls from a local distribution registry (Debian's docker-registry on 127.0.0.1), side by side, alternating the
# tools run by run; median wall time and peak RSS (GNU time) and the ratio:
#  1. `customs pull` (OCI layout) versus `skopeo copy` to an OCI directory, of a 3-layer image built here from this
#     machine's /usr (real binaries and text, gzip). Both copies must hold exactly the pushed layers.
#  2. pull AND inventory of the real bookworm test image (`customs sbom REF`, nothing written to disk) versus `skopeo
#     copy` of it (pull only). The inventory must equal the one of the local OCI layout it was pushed from, and the
#     copy must hold the pushed layers.
# Every run must succeed; a failed or incomparable run stops the script before a ratio is printed.
# usage: bench/pull_vs_skopeo.sh [path/to/customs] [runs]    (images: scripts/testimages.sh, or CUSTOMS_TESTIMAGES)
set -euo pipefail
CUSTOMS=${1:-build/dev/cli/customs}
RUNS=${2:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/compare.sh"
WORK=$(mktemp -d /tmp/customs-bench-pull-XXXXXX)
export MEASURE_OUT=$WORK/measure
REGISTRY_PID=""
cleanup() {
  if [ -n "$REGISTRY_PID" ]; then kill "$REGISTRY_PID" 2>/dev/null || true; wait "$REGISTRY_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
IMAGES=${CUSTOMS_TESTIMAGES:-$(dirname "$(dirname "$CUSTOMS")")/testimages}
[ -d "$IMAGES/bookworm/oci" ] || { echo "bookworm test image missing in $IMAGES (run scripts/testimages.sh)"; exit 1; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$WORK/config.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $WORK/storage}}
http: {addr: 127.0.0.1:$PORT, secret: bench}
YML
docker-registry serve "$WORK/config.yml" >"$WORK/registry.log" 2>&1 &
REGISTRY_PID=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done

# An OCI layout of three gzip layers taken from /usr.
python3 - "$WORK/layout" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
out = sys.argv[1]
os.makedirs(out + "/blobs/sha256")
def blob(data, mt):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{d[7:]}", "wb").write(data)
    return {"mediaType": mt, "digest": d, "size": len(data)}
layers, diff_ids = [], []
for top in ("/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/share/doc"):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        tar.add(top, arcname=top.lstrip("/"), recursive=True)
    diff_ids.append("sha256:" + hashlib.sha256(raw.getvalue()).hexdigest())
    layers.append(blob(gzip.compress(raw.getvalue(), compresslevel=1, mtime=0),
                       "application/vnd.oci.image.layer.v1.tar+gzip"))
config = blob(json.dumps({"architecture": "amd64", "os": "linux",
                          "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode(),
              "application/vnd.oci.image.config.v1+json")
manifest = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "config": config, "layers": layers}).encode(),
                "application/vnd.oci.image.manifest.v1+json")
manifest["annotations"] = {"org.opencontainers.image.ref.name": "bench"}
json.dump({"schemaVersion": 2, "manifests": [manifest]}, open(out + "/index.json", "w"))
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
print("image: %d layers, %.1f MiB compressed" % (len(layers), sum(l["size"] for l in layers) / 2**20))
PY
skopeo copy --quiet --dest-tls-verify=false "oci:$WORK/layout:bench" "docker://127.0.0.1:$PORT/bench/usr:1"
skopeo copy --quiet --dest-tls-verify=false "oci:$IMAGES/bookworm/oci:1" "docker://127.0.0.1:$PORT/test/bookworm:1"

# layers OCI_DIR : "digest size" of every layer of the layout's (only) image whose blob is present with that size.
layers() {
  python3 - "$1" <<'PY'
import json, os, sys
root = sys.argv[1]
blob = lambda d: os.path.join(root, "blobs", d.replace(":", "/"))
index = json.load(open(os.path.join(root, "index.json")))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
for layer in manifest["layers"]:
    ok = os.path.isfile(blob(layer["digest"])) and os.path.getsize(blob(layer["digest"])) == layer["size"]
    print(layer["digest"], layer["size"] if ok else "MISSING")
PY
}
same_layers() {  # same_layers WHAT WANT_DIR GOT_DIR
  if [ "$(layers "$2")" != "$(layers "$3")" ]; then
    echo "bench: $1: the copy does not hold the pushed layers; no ratio"; diff <(layers "$2") <(layers "$3") || true
    exit 1
  fi
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); customs $("$CUSTOMS" --version); $(skopeo --version)"
: >"$MEASURE_OUT"
IMAGE="127.0.0.1:$PORT/bench/usr:1"
pull_customs() {
  rm -rf "$WORK/out-customs"
  measure_once customs-pull "$WORK/customs.log" "$CUSTOMS" pull "$IMAGE" --output "$WORK/out-customs"
  same_layers "customs pull" "$WORK/layout" "$WORK/out-customs"
}
pull_skopeo() {
  rm -rf "$WORK/out-skopeo"
  measure_once skopeo-copy "$WORK/skopeo.log" skopeo copy --quiet --src-tls-verify=false "docker://$IMAGE" \
    "oci:$WORK/out-skopeo:bench"
  same_layers "skopeo copy" "$WORK/layout" "$WORK/out-skopeo"
}
for run in $(seq "$RUNS"); do alternate "$run" pull_customs pull_skopeo; done
echo "== pull of the 3-layer /usr image ($RUNS runs each, alternating; both copies hold the pushed layers)"
summarize customs-pull skopeo-copy

# Pull + inventory of the bookworm image against skopeo's pull alone.
: >"$MEASURE_OUT"
BOOKWORM="127.0.0.1:$PORT/test/bookworm:1"
"$CUSTOMS" sbom --no-cache --format cyclonedx -o "$WORK/local.cdx.json" "$IMAGES/bookworm/oci"
sbom_customs() {
  measure_once customs-sbom "$WORK/remote.cdx.json" "$CUSTOMS" sbom --no-cache --format cyclonedx "$BOOKWORM"
  python3 "$HERE/same_packages.py" "$WORK/local.cdx.json" "$WORK/remote.cdx.json" >"$WORK/same" ||
    { echo "bench: customs sbom REF differs from the local layout's inventory; no ratio"; cat "$WORK/same"; exit 1; }
}
copy_skopeo() {
  rm -rf "$WORK/out-skopeo-bookworm"
  measure_once skopeo-copy-bookworm "$WORK/skopeo.log" skopeo copy --quiet --src-tls-verify=false \
    "docker://$BOOKWORM" "oci:$WORK/out-skopeo-bookworm:1"
  same_layers "skopeo copy (bookworm)" "$IMAGES/bookworm/oci" "$WORK/out-skopeo-bookworm"
}
for run in $(seq "$RUNS"); do alternate "$run" sbom_customs copy_skopeo; done
echo "== bookworm: customs sbom REF (pull + inventory) vs skopeo copy (pull only) ($RUNS runs each, alternating;" \
  "inventory: $(cat "$WORK/same"); the copy holds the pushed layers)"
summarize customs-sbom skopeo-copy-bookworm

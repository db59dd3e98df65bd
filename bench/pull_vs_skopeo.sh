#!/usr/bin/env bash
# Pull of one image from a local distribution registry: `customs pull` (OCI layout) versus `skopeo copy` to an OCI
# directory. Builds a 3-layer image from this machine's /usr (real binaries and text, gzip), pushes it with skopeo,
# then times each tool RUNS times. Usage: bench/pull_vs_skopeo.sh [path/to/customs] [runs]
set -euo pipefail
CUSTOMS=${1:-build/dev/cli/customs}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/customs-bench-pull-XXXXXX)
REGISTRY_PID=""
cleanup() {
  if [ -n "$REGISTRY_PID" ]; then kill "$REGISTRY_PID" 2>/dev/null || true; wait "$REGISTRY_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

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

# An OCI layout of three gzip layers taken from /usr (the e2e test's Layout helper writes the JSON).
python3 - "$WORK/layout" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
sys.path.insert(0, os.path.join(os.environ.get("ROOT", "."), "tests/e2e/registry"))
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
IMAGE="127.0.0.1:$PORT/bench/usr:1"

time_it() {  # prints wall seconds of "$@"
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  python3 -c "print(round($end - $start, 3))"
}
echo "tool,run,seconds"
for run in $(seq "$RUNS"); do
  rm -rf "$WORK/out-customs" "$WORK/out-skopeo"
  echo "customs,$run,$(time_it "$CUSTOMS" pull "$IMAGE" --output "$WORK/out-customs")"
  echo "skopeo,$run,$(time_it skopeo copy --src-tls-verify=false "docker://$IMAGE" "oci:$WORK/out-skopeo:bench")"
done

# The issue's comparison: pull AND inventory of the real bookworm image (scripts/testimages.sh) straight from the
# registry (`customs sbom REF`, nothing written to disk) versus `skopeo copy` of the same image to an OCI directory.
IMAGES=${CUSTOMS_TESTIMAGES:-$(dirname "$(dirname "$CUSTOMS")")/testimages}
if [ -d "$IMAGES/bookworm/oci" ]; then
  skopeo copy --quiet --dest-tls-verify=false "oci:$IMAGES/bookworm/oci:1" "docker://127.0.0.1:$PORT/test/bookworm:1"
  BOOKWORM="127.0.0.1:$PORT/test/bookworm:1"
  for run in $(seq "$RUNS"); do
    rm -rf "$WORK/out-skopeo-bookworm"
    echo "customs-sbom-bookworm,$run,$(time_it "$CUSTOMS" sbom --no-cache --format json "$BOOKWORM")"
    echo "skopeo-bookworm,$run,$(time_it skopeo copy --src-tls-verify=false "docker://$BOOKWORM" \
      "oci:$WORK/out-skopeo-bookworm:1")"
  done
else
  echo "bookworm test image missing in $IMAGES (run scripts/testimages.sh): pull+inventory comparison skipped" >&2
fi

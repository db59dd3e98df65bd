#!/usr/bin/env bash
# customs sbom versus Trivy on the Go-binary and Java parts: root filesystems holding only the real Go binaries (go1.16
# to go1.21) or only the real jars/war/fat jar of scripts/lang-binary-artifacts.sh. Runs alternate, cold (no cache for
# either tool); both must succeed and report comparable packages before a ratio is printed.
# usage: bench/lang_vs_trivy.sh [BUILD_DIR] [RUNS]   (BUILD_DIR default build/release; artifacts from testimages.sh)
#
# Trivy runs offline: `trivy rootfs --format cyclonedx` needs no vulnerability database, but its jar analyzer refuses
# to start without its Java DB (an index of jar SHA-1s it downloads). It cannot be downloaded here, so the script gives
# it an empty one (the published schema, no rows): Trivy then identifies jars by their pom.properties and manifests,
# as it does for a jar the index does not know.
set -euo pipefail
BUILD=${1:-build/release}
RUNS=${2:-7}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
IMAGES=${CUSTOMS_TESTIMAGES:-$BUILD/testimages}
A=$IMAGES/lang-binary/artifacts
CUSTOMS=$BUILD/cli/customs
[ -f "$A/.complete" ] || { echo "missing $A (run scripts/testimages.sh $IMAGES)"; exit 1; }
TRIVY=$(bash "$ROOT/scripts/fetch-trivy.sh")
source "$HERE/compare.sh"
export MEASURE_OUT=$(mktemp)
WORK=$(mktemp -d)
trap 'rm -rf "$MEASURE_OUT" "$WORK"' EXIT

mkdir -p "$WORK/go" "$WORK/java" "$WORK/trivy/java-db"
cp "$A"/go/esbuild-0.12.0 "$A"/go/esbuild-0.14.0 "$A"/go/turbo-1.2.16 "$A"/go/esbuild-0.19.12 "$A"/go/buf-1.28.1 \
  "$A"/go/replace-demo "$WORK/go/"
cp -r "$A/java/dynamodb" "$A/java/debian" "$WORK/java/"
cp "$A/java/built/app.war" "$A/java/built/demo-app-0.0.1-SNAPSHOT.jar" "$WORK/java/"
sqlite3 "$WORK/trivy/java-db/trivy-java.db" "CREATE TABLE artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT);
  CREATE TABLE indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT);
  CREATE UNIQUE INDEX artifacts_idx ON artifacts(artifact_id, group_id);
  CREATE INDEX indices_artifact_idx ON indices(artifact_id); CREATE UNIQUE INDEX indices_sha1_idx ON indices(sha1);"
echo '{"Version":1,"NextUpdate":"2099-01-01T00:00:00Z","UpdatedAt":"2026-01-01T00:00:00Z","DownloadedAt":"2026-01-01T00:00:00Z"}' \
  > "$WORK/trivy/java-db/metadata.json"
TRIVY_ARGS=(rootfs --cache-dir "$WORK/trivy" --format cyclonedx --offline-scan --skip-db-update --skip-java-db-update)

# compare TYPE DIR: both tools' package sets for the ecosystem, and whether they are comparable.
compare() {
  local type=$1 dir=$2
  "$CUSTOMS" sbom --no-cache --format json --rootfs "$dir" > "$WORK/customs.json"
  "$TRIVY" "${TRIVY_ARGS[@]}" "$dir" > "$WORK/trivy.json" 2>/dev/null
  python3 - "$type" "$WORK/customs.json" "$WORK/trivy.json" <<'PY'
import json, sys
kind, ours, theirs = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
if kind == "golang":
    a = {f"{p['name']} {p['version']}" for p in ours["packages"] if p["type"] == "golang" and p["name"] != "stdlib"
         and p["version"].startswith("v")}
    b = {f"{c['name']} {c['version']}" for c in theirs.get("components", []) if c.get("purl", "").startswith("pkg:golang/")
         and c.get("version", "").startswith("v")}
else:
    a = {f"{p['name']} {p['version']}" for p in ours["packages"] if p["type"] == "maven" and ":" in p["name"]}
    b = {f"{c.get('group', '')}:{c['name']} {c.get('version', '')}" for c in theirs.get("components", [])
         if c.get("purl", "").startswith("pkg:maven/")}
common = a & b
jaccard = len(common) / max(1, len(a | b))
print(f"  {kind}: customs {len(a)} distinct, trivy {len(b)} distinct, common {len(common)} (Jaccard {jaccard:.2f})")
for x in sorted(b - a)[:5]: print("    only trivy:", x)
for x in sorted(a - b)[:5]: print("    only customs:", x)
sys.exit(0 if len(common) >= 20 and jaccard >= 0.9 else 1)
PY
}

echo "customs: $($CUSTOMS --version)   trivy: $($TRIVY --version 2>/dev/null | head -1)"
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
for part in go java; do
  type=golang
  [ "$part" = java ] && type=maven
  echo "== $part part: $(du -sh "$WORK/$part" | cut -f1) in $(find "$WORK/$part" -type f | wc -l) files"
  compare "$type" "$WORK/$part" || { echo "not comparable: no ratio"; exit 1; }
  : > "$MEASURE_OUT"
  run_customs() { measure_once customs "$WORK/customs.out" "$CUSTOMS" sbom --no-cache --format json --rootfs "$WORK/$part"; }
  run_trivy() {
    rm -rf "$WORK/trivy/fanal"
    measure_once trivy "$WORK/trivy.out" "$TRIVY" "${TRIVY_ARGS[@]}" "$WORK/$part"
  }
  for run in $(seq "$RUNS"); do alternate "$run" run_customs run_trivy; done
  summarize customs trivy
done

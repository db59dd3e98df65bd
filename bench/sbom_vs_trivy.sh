#!/usr/bin/env bash
# customs sbom versus Trivy on the same images: alternating runs, median wall time and peak RSS, and the ratio.
# Every run of either tool must succeed and both must list the same OS packages (name, version with epoch, arch;
# bench/same_packages.py) before a ratio is printed.
# usage: bench/sbom_vs_trivy.sh [BUILD_DIR] [RUNS]     (BUILD_DIR default build/release; images from testimages.sh)
set -euo pipefail
BUILD=${1:-build/release}
RUNS=${2:-7}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
IMAGES=${CUSTOMS_TESTIMAGES:-$BUILD/testimages}
CUSTOMS=$BUILD/cli/customs
TRIVY=$(bash "$ROOT/scripts/fetch-trivy.sh")
source "$HERE/compare.sh"
WORK=$(mktemp -d)
export MEASURE_OUT=$WORK/measure
trap 'rm -rf "$WORK"' EXIT

echo "customs: $($CUSTOMS --version)   trivy: $($TRIVY --version 2>/dev/null | head -1)"
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
# bookworm/oci is the OCI layout (gzip layers). Not the oci-archive.tar of the same image: this Trivy build exits 1
# on it without a message (an earlier version of this script ignored that failure and printed a ratio against it).
for image in bookworm/docker-archive.tar bookworm/oci pinned/docker-archive.tar; do
  path=$IMAGES/$image
  [ -e "$path" ] || { echo "missing $path (run scripts/testimages.sh)"; exit 1; }
  : >"$MEASURE_OUT"
  # No cache for either tool: a cold inventory each time.
  run_customs() { measure_once customs "$WORK/customs.cdx.json" "$CUSTOMS" sbom --format cyclonedx --no-cache "$path"; }
  # Trivy's CycloneDX output is an inventory without vulnerability scanning, so it needs no database.
  run_trivy() {
    rm -rf "$WORK/trivy-cache"
    measure_once trivy "$WORK/trivy.cdx.json" "$TRIVY" image --cache-dir "$WORK/trivy-cache" --format cyclonedx \
      --input "$path"
  }
  for run in $(seq "$RUNS"); do
    alternate "$run" run_customs run_trivy
    same=$(python3 "$HERE/same_packages.py" "$WORK/customs.cdx.json" "$WORK/trivy.cdx.json") ||
      { echo "$image run $run: the tools disagree, no ratio:"; echo "$same"; exit 1; }
  done
  echo "== $image ($(du -sh "$path" | cut -f1), $RUNS runs each, alternating; $same)"
  summarize customs trivy
done

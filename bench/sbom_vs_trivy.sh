#!/usr/bin/env bash
# customs sbom versus Trivy on the same images, alternating runs, median wall time and peak RSS, and the ratio.
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
export MEASURE_OUT=$(mktemp)
CACHE=$(mktemp -d)
trap 'rm -rf "$MEASURE_OUT" "$CACHE"' EXIT

echo "customs: $($CUSTOMS --version)   trivy: $($TRIVY --version 2>/dev/null | head -1)"
echo "machine: $(nproc) cores, $(uname -r)"
for image in bookworm/docker-archive.tar bookworm/oci-archive.tar pinned/docker-archive.tar; do
  path=$IMAGES/$image
  [ -f "$path" ] || { echo "missing $path (run scripts/testimages.sh)"; exit 1; }
  : > "$MEASURE_OUT"
  for _ in $(seq "$RUNS"); do
    # No cache for either tool: a cold inventory each time.
    measure_once customs "$CUSTOMS" sbom --format cyclonedx --no-cache "$path"
    rm -rf "$CACHE/trivy"
    # Trivy's CycloneDX output is an inventory without vulnerability scanning, so it needs no database.
    measure_once trivy "$TRIVY" image --cache-dir "$CACHE/trivy" --format cyclonedx --input "$path"
  done
  echo "== $image ($(du -h "$path" | cut -f1), $RUNS runs each)"
  summarize customs trivy
done

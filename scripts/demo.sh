#!/usr/bin/env bash
# make demo: build a vulnerable image from the Debian archive (bookworm with openssl and curl pinned to older builds),
# get a vulnerability store (the real feeds when the network allows, else the advisory sample committed in
# data/advisories), and scan the image the way a CI job would: the gate fails.
set -uo pipefail
BUILD_DIR=${1:-build/dev}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CUSTOMS=$BUILD_DIR/cli/customs
IMAGES=$BUILD_DIR/testimages
DEMO=$BUILD_DIR/demo
mkdir -p "$DEMO"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/3 building the demo images from the Debian archive (cached after the first run)"
bash scripts/testimages.sh "$IMAGES" || { echo "demo: could not build the images (is the Debian archive reachable?)"; exit 3; }
IMAGE=$IMAGES/pinned/oci
cat "$IMAGES/pinned/PINNED.txt"

step "2/3 getting a vulnerability store"
DB=$DEMO/customs.db
if timeout 120 "$CUSTOMS" db update --db "$DB" --source debian --source kev --source epss --timeout 30 --retries 1; then
  echo "demo: using the live feeds (customs db update)"
else
  echo "demo: the live feeds are not reachable from here; using the real advisory sample in data/advisories"
  echo "      (Debian bookworm fixes derived from the archive's changelogs, CISA KEV, EPSS; see data/advisories/SOURCES.md)"
  "$CUSTOMS" db import data/advisories --db "$DB" || exit 3
fi
"$CUSTOMS" db info --db "$DB"

step "3/3 scanning $IMAGE as a CI gate: fail when any vulnerability with a fix is present"
echo "\$ customs image $IMAGE --ignore-unfixed --fail-on UNKNOWN"
"$CUSTOMS" image "$IMAGE" --db "$DB" --ignore-unfixed --fail-on UNKNOWN
status=$?
echo
case $status in
  1)
    echo "demo: the gate FAILED (exit 1), as it should: this image carries openssl and curl builds with known fixes."
    echo "      Look at the FIXED column (the version to upgrade to) and the LAYER column (the Dockerfile step that"
    echo "      installed the package). The sample feed has no severities (Debian's derived data carries none), so"
    echo "      the gate here is 'any fixable vulnerability'; with the live feeds use --fail-on HIGH."
    echo "      Other formats: --format json | sarif | cyclonedx | junit | markdown. Inventory only: customs sbom IMAGE."
    exit 0
    ;;
  0) echo "demo: no fixable vulnerability found (the pinned builds may have left the archive; see PINNED.txt)"; exit 0 ;;
  *) echo "demo: the scan itself failed (exit $status)"; exit "$status" ;;
esac

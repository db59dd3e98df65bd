#!/usr/bin/env bash
# make demo: build a vulnerable image from the Debian archive and the npm registry (bookworm with openssl and curl
# pinned to older builds, plus a Node application whose node_modules ship a real log4j-core-2.8.jar, a Go binary and
# lodash 4.17.15), get a vulnerability store (the real feeds when the network allows, else the advisory sample
# committed in data/advisories), and scan the image the way a CI job would: the gate fails on Log4Shell.
set -uo pipefail
BUILD_DIR=${1:-build/dev}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CUSTOMS=$BUILD_DIR/cli/customs
IMAGES=$BUILD_DIR/testimages
DEMO=$BUILD_DIR/demo
mkdir -p "$DEMO"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/3 building the demo image from the Debian archive and the npm registry (cached after the first run)"
bash scripts/testimages.sh "$IMAGES" ||
  { echo "demo: could not build the images (are the Debian archive and the npm registry reachable?)"; exit 3; }
IMAGE=$IMAGES/demo/oci
cat "$IMAGES/pinned/PINNED.txt"

step "2/3 getting a vulnerability store"
DB=$DEMO/customs.db
if timeout 300 "$CUSTOMS" db update --db "$DB" --source debian --source kev --source epss --source osv-maven \
  --source osv-npm --source osv-go --timeout 30 --retries 1; then
  echo "demo: using the live feeds (customs db update)"
else
  echo "demo: the live feeds are not reachable from here; using the real advisory sample in data/advisories"
  echo "      (Debian bookworm fixes derived from the archive's changelogs, GitHub reviewed advisories, the Go"
  echo "      vulnerability database, CVE records, CISA KEV, EPSS; see data/advisories/SOURCES.md)"
  "$CUSTOMS" db import data/advisories --db "$DB" || exit 3
fi
"$CUSTOMS" db info --db "$DB"

step "3/3 scanning $IMAGE as a CI gate: fail on any CRITICAL vulnerability that has a fix"
echo "\$ customs image $IMAGE --ignore-unfixed --fail-on CRITICAL"
"$CUSTOMS" image "$IMAGE" --db "$DB" --ignore-unfixed --fail-on CRITICAL
status=$?
echo
case $status in
  1)
    echo "demo: the gate FAILED (exit 1), as it should. Look for CVE-2021-44228 (Log4Shell): CRITICAL, KEV yes (CISA lists"
    echo "      it as exploited in the wild), in log4j-core 2.8, a jar with no pom.properties inside the npm package"
    echo "      amplify-dynamodb-simulator (its groupId comes from the advisories: pkg:maven/org.apache.logging.log4j/...)."
    echo "      Next to it: the pinned openssl and curl builds, the Go standard library esbuild was built with (go1.17.2)"
    echo "      and lodash 4.17.15. The FIXED column is the version to upgrade to; LAYER is the step that added it."
    echo "      Other formats: --format json | sarif | cyclonedx | junit | markdown. Inventory only: customs sbom IMAGE."
    exit 0
    ;;
  0) echo "demo: the gate passed: no CRITICAL fixable vulnerability found (the data or the image changed?)"; exit 1 ;;
  3) echo "demo: the scan was incomplete (exit 3): some packages could not be checked (see the lines above)"; exit 3 ;;
  *) echo "demo: the scan itself failed (exit $status)"; exit "$status" ;;
esac

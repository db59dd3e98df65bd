#!/usr/bin/env bash
# Validates customs' CycloneDX 1.5 (SBOM and scan report) and SARIF 2.1.0 output, and the report goldens in
# src/report/testdata, against the official JSON schemas,
# with ajv from npm (scripts/fetch-schemas.sh). Also feeds a deliberately broken document to prove the validator
# rejects. usage: schema_validation.sh SOURCE_DIR BINARY_DIR
set -uo pipefail
SRC=$1
BIN=$2
CUSTOMS=$BIN/cli/customs
TOOLS=$BIN/tools-schemas
IMAGE=$BIN/testimages/pinned/oci
# shellcheck source=../support/skip.sh
. "$SRC/tests/support/skip.sh"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  customs_skip "node/npm missing (scripts/install-deps.sh installs nodejs)"
fi
bash "$SRC/scripts/fetch-schemas.sh" "$TOOLS" >/dev/null || { echo "FAIL: could not fetch the schemas from npm"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
S=$TOOLS/schemas
validate() { node "$SRC/scripts/validate-json-schema.js" "$TOOLS" "$@"; }
CDX=("$S/bom-1.5.SNAPSHOT.schema.json" --ref "$S/spdx.SNAPSHOT.schema.json" --ref "$S/jsf-0.82.SNAPSHOT.schema.json")
fail=0
# The report writers' goldens (src/report/testdata), which report_test compares byte for byte, are valid documents.
GOLDEN=$SRC/src/report/testdata
validate "${CDX[@]}" "$GOLDEN/scan.cdx.json" || { echo "FAIL: CycloneDX golden invalid"; fail=1; }
validate "$S/sarif-2.1.0.schema.json" "$GOLDEN/scan.sarif" || { echo "FAIL: SARIF golden invalid"; fail=1; }
[ -d "$IMAGE" ] || customs_skip "test images missing ($IMAGE; run scripts/testimages.sh)"
"$CUSTOMS" sbom --no-cache --format cyclonedx -o "$WORK/sbom.cdx.json" "$IMAGE" || fail=1
DB=$WORK/db.sqlite
"$CUSTOMS" db import "$SRC/data/advisories" --db "$DB" >/dev/null || fail=1
"$CUSTOMS" image --quiet --no-cache --db "$DB" --format cyclonedx -o "$WORK/scan.cdx.json" "$IMAGE" || fail=1
"$CUSTOMS" image --quiet --no-cache --db "$DB" --format sarif -o "$WORK/scan.sarif" "$IMAGE" || fail=1
# The demo image: language packages (Maven, npm, Go) with their properties, a jar listed under its resolved purl.
DEMO=$BIN/testimages/demo/oci
[ -d "$DEMO" ] || customs_skip "demo image missing ($DEMO; run scripts/testimages.sh)"
"$CUSTOMS" sbom --no-cache --format cyclonedx -o "$WORK/demo-sbom.cdx.json" "$DEMO" || fail=1
"$CUSTOMS" image --quiet --no-cache --db "$DB" --format cyclonedx -o "$WORK/demo-scan.cdx.json" "$DEMO" || fail=1
"$CUSTOMS" image --quiet --no-cache --db "$DB" --format sarif -o "$WORK/demo-scan.sarif" "$DEMO" || fail=1
# An incomplete scan (here: an SBOM that says its inventory is incomplete) adds CycloneDX metadata properties and a
# failed SARIF invocation with notifications; both must stay schema-valid.
jq '.metadata.properties = [{"name": "customs:incomplete", "value": "catalog/rpm: /var/lib/rpm/Packages: unreadable"}]' \
  "$WORK/sbom.cdx.json" > "$WORK/incomplete.cdx.json" || fail=1
for f in sarif cyclonedx; do
  "$CUSTOMS" sbom-scan --quiet --db "$DB" --format $f -o "$WORK/incomplete-scan.$f" "$WORK/incomplete.cdx.json"
  [ $? -eq 3 ] || { echo "FAIL: sbom-scan of an incomplete SBOM did not exit 3"; fail=1; }
done
jq -e '.runs[0].invocations[0].executionSuccessful == false' "$WORK/incomplete-scan.sarif" >/dev/null ||
  { echo "FAIL: the incomplete SARIF does not say executionSuccessful=false"; fail=1; }
validate "${CDX[@]}" "$WORK/sbom.cdx.json" "$WORK/scan.cdx.json" "$WORK/incomplete.cdx.json" \
  "$WORK/incomplete-scan.cyclonedx" "$WORK/demo-sbom.cdx.json" "$WORK/demo-scan.cdx.json" || { echo "FAIL: CycloneDX output invalid"; fail=1; }
validate "$S/sarif-2.1.0.schema.json" "$WORK/scan.sarif" "$WORK/incomplete-scan.sarif" "$WORK/demo-scan.sarif" ||
  { echo "FAIL: SARIF output invalid"; fail=1; }
# The validator must reject a broken document, or the checks above prove nothing.
echo '{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"not-a-type","name":1}]}' > "$WORK/bad.json"
if validate "${CDX[@]}" "$WORK/bad.json" >/dev/null 2>&1; then echo "FAIL: validator accepted a broken document"; fail=1; fi
[ $fail -eq 0 ] && echo "schema validation: CycloneDX 1.5 (sbom, scan, golden, incomplete scan, demo) and SARIF 2.1.0 (scan, golden, incomplete scan, demo) valid"
exit $fail

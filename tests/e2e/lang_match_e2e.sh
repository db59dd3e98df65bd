#!/usr/bin/env bash
# Language matching end to end, judged by an independent evaluation (tests/e2e/osv_oracle.py: the OSV walk in
# Python over each ecosystem's reference version order: npm's semver, PyPA packaging, Maven's ComparableVersion,
# composer/semver):
#   1. every version the shared GHSA records and Go's stdlib records name in an event, as one SBOM through
#      `customs sbom-scan`: the same advisories for every package, and every version neither side can read named
#      as unchecked;
#   2. a real node_modules tree from the npm registry, inventoried by Trivy (CycloneDX and SPDX): the same;
#   3. osv.dev's own recorded answers (osv-scanner's test cassette in ../shared/data/vulndata/osv-api-oracle): every
#      advisory osv.dev listed for a package, of those we hold a record of, is found;
#   4. the demo's headline from the shipped sample data: `customs image` of the demo image (scripts/testimages.sh:
#      pinned bookworm plus a real node_modules tree whose amplify-dynamodb-simulator ships log4j-core-2.8.jar without
#      pom.properties, esbuild's Go binary and lodash 4.17.15) shows CRITICAL CVE-2021-44228 as known-exploited under
#      the resolved purl, next to the openssl, Go stdlib and lodash findings, and --fail-on CRITICAL fails; the
#      CycloneDX report's findings name components it lists.
# usage: lang_match_e2e.sh SOURCE_DIR BINARY_DIR [SHARED_DATA_DIR]
set -uo pipefail
SRC=$1
BIN=$2
CUSTOMS=$BIN/cli/customs
V=${3:-$SRC/../shared/data}/vulndata
# shellcheck source=../support/skip.sh
. "$SRC/tests/support/skip.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
ORACLE=("$PY" "$SRC/tests/e2e/osv_oracle.py")
[ -d "$V/ghsa" ] && [ -f "$V/osv/Go-all.zip" ] || customs_skip "shared advisory data absent ($V)"
missing=$("${ORACLE[@]}" missing-tools)
[ -z "$missing" ] || customs_skip "reference version orders missing: $missing (scripts/install-deps.sh)"
command -v npm >/dev/null || customs_skip "npm missing"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail=0
DB=$WORK/lang.db
"$CUSTOMS" db import "$V/ghsa" "$V/osv/Go-all.zip" "$V/cvelist" "$V/kev" --db "$DB" >/dev/null 2>"$WORK/import.log" ||
  { cat "$WORK/import.log"; echo "FAIL: db import"; exit 1; }
ADVISORIES=("$V/ghsa" "$V/osv/Go-all.zip")

# judge SBOM NAME: sbom-scan it and compare with the oracle.
judge() {
  local sbom=$1 name=$2
  "${ORACLE[@]}" expect --advisories "${ADVISORIES[@]}" --sbom "$sbom" --out "$WORK/$name.expect.json" || return 1
  "$CUSTOMS" sbom-scan "$sbom" --db "$DB" --max-db-age 1000000 --allow-incomplete --format json \
    -o "$WORK/$name.report.json" || { echo "FAIL: sbom-scan $name"; return 1; }
  "${ORACLE[@]}" compare --expect "$WORK/$name.expect.json" --report "$WORK/$name.report.json"
}

echo "== 1. every boundary version of the GHSA records and Go's stdlib records"
"${ORACLE[@]}" boundary-sbom --advisories "${ADVISORIES[@]}" --out "$WORK/boundary.cdx.json" \
  --package-filter '^(Maven|npm|PyPI|Packagist)\||^Go\|stdlib$' || fail=1
judge "$WORK/boundary.cdx.json" boundary || { echo "FAIL: boundary versions differ from the reference"; fail=1; }
affected=$("$PY" -c "import json,sys; print(sum(1 for v in json.load(open(sys.argv[1]))['judged'].values() if v))" \
  "$WORK/boundary.expect.json")
[ "${affected:-0}" -gt 300 ] || { echo "FAIL: only ${affected:-0} affected boundary packages: the check proves little"; fail=1; }

echo "== 2. a real node_modules tree, inventoried by Trivy"
TOOLS=$BIN/tools-lang
APP=$TOOLS/app
if [ ! -f "$APP/.installed" ]; then
  rm -rf "$APP" && mkdir -p "$APP"
  npm install --prefix "$APP" --no-audit --no-fund --ignore-scripts --silent \
    lodash@4.17.15 minimist@1.2.0 @babel/traverse@7.22.0 axios@0.21.0 jsonwebtoken@8.5.1 node-fetch@2.6.0 \
    semver@5.7.1 tar@4.4.1 >/dev/null 2>"$WORK/npm.log" && touch "$APP/.installed" ||
    { cat "$WORK/npm.log"; echo "FAIL: npm install"; exit 1; }
fi
TRIVY=$(CUSTOMS_TOOLS_DIR=$BIN/tools bash "$SRC/scripts/fetch-trivy.sh") || { echo "FAIL: could not fetch Trivy"; exit 1; }
for format in cyclonedx spdx-json; do
  "$TRIVY" fs --quiet --format "$format" --output "$WORK/trivy.$format.json" --cache-dir "$WORK/trivy-cache" \
    --skip-db-update --offline-scan "$APP" || { echo "FAIL: trivy $format"; fail=1; continue; }
  judge "$WORK/trivy.$format.json" "trivy-$format" || { echo "FAIL: Trivy's $format SBOM differs"; fail=1; }
done
if [ -f "$WORK/trivy-cyclonedx.report.json" ] && [ -f "$WORK/trivy-spdx-json.report.json" ]; then
  ids() { "$PY" -c "import json,sys; print(sorted((f['package']['name'], f['package']['version'], f['id']) for f in json.load(open(sys.argv[1]))['findings']))" "$1"; }
  [ "$(ids "$WORK/trivy-cyclonedx.report.json")" = "$(ids "$WORK/trivy-spdx-json.report.json")" ] ||
    { echo "FAIL: Trivy's CycloneDX and SPDX give different findings"; fail=1; }
  grep -q '"name": "lodash"' "$WORK/trivy-cyclonedx.report.json" || { echo "FAIL: no lodash finding"; fail=1; }
fi

echo "== 3. osv.dev's recorded answers"
CASSETTE=$V/osv-api-oracle/osv-scanner-TestCommand_OCIImage.yaml.gz
"${ORACLE[@]}" osv-api --cassette "$CASSETTE" --advisories "${ADVISORIES[@]}" --sbom-out "$WORK/osvdev.cdx.json" \
  --out "$WORK/osvdev.expect.json" || fail=1
"$CUSTOMS" sbom-scan "$WORK/osvdev.cdx.json" --db "$DB" --max-db-age 1000000 --allow-incomplete --format json \
  -o "$WORK/osvdev.report.json" || { echo "FAIL: sbom-scan osv.dev queries"; fail=1; }
"${ORACLE[@]}" compare --missed-only --expect "$WORK/osvdev.expect.json" --report "$WORK/osvdev.report.json" ||
  { echo "FAIL: an advisory osv.dev lists was missed"; fail=1; }

echo "== 4. the demo's headline from data/advisories"
IMAGE=$BIN/testimages/demo/oci
if [ ! -d "$IMAGE" ]; then
  [ $fail -eq 0 ] || exit 1
  customs_skip "test images missing ($IMAGE; run scripts/testimages.sh): parts 1 to 3 passed"
fi
DEMO_DB=$WORK/demo.db
"$CUSTOMS" db import "$SRC/data/advisories" --db "$DEMO_DB" >/dev/null 2>&1 || { echo "FAIL: import data/advisories"; exit 1; }
SCAN=("$CUSTOMS" image "$IMAGE" --no-cache --db "$DEMO_DB" --max-db-age 1000000)
"${SCAN[@]}" > "$WORK/table.txt"
grep -E '^log4j-core +2\.8 .*CVE-2021-44228 +CRITICAL +yes' "$WORK/table.txt" ||
  { cat "$WORK/table.txt"; echo "FAIL: no CRITICAL known-exploited CVE-2021-44228 for log4j-core 2.8"; fail=1; }
grep -qE '^(libssl3|openssl) ' "$WORK/table.txt" || { echo "FAIL: the openssl findings are missing"; fail=1; }
grep -qE '^stdlib +1\.17\.2 ' "$WORK/table.txt" || { echo "FAIL: no Go stdlib finding for esbuild's go1.17.2"; fail=1; }
grep -qE '^lodash +4\.17\.15 ' "$WORK/table.txt" || { echo "FAIL: no lodash 4.17.15 finding"; fail=1; }
"${SCAN[@]}" --quiet --ignore-unfixed --fail-on CRITICAL >/dev/null
status=$?
[ $status -eq 1 ] || { echo "FAIL: --fail-on CRITICAL exited $status, not 1 (3 = incomplete: data missing)"; fail=1; }
"${SCAN[@]}" --format json -o "$WORK/demo.json"
"${SCAN[@]}" --format cyclonedx -o "$WORK/demo.cdx.json"
"$PY" - "$WORK/demo.json" "$WORK/demo.cdx.json" <<'PYEOF' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
bom = json.load(open(sys.argv[2]))
problems = []
f = [f for f in r["findings"] if f["id"] == "CVE-2021-44228" and f["package"]["name"] == "log4j-core"]
assert f, "no Log4Shell finding"
f = f[0]
jar = "/app/node_modules/amplify-dynamodb-simulator/emulator/DynamoDBLocal_lib/log4j-core-2.8.jar"
if f.get("matched_as") != "org.apache.logging.log4j:log4j-core": problems.append(f"matched_as {f.get('matched_as')}")
if f["package"]["purl"] != "pkg:maven/org.apache.logging.log4j/log4j-core@2.8":
    problems.append(f"log4j-core purl {f['package']['purl']}")
if f["package"].get("location") != jar: problems.append(f"log4j-core location {f['package'].get('location')}")
if f["severity"] != "CRITICAL": problems.append(f"severity {f['severity']}")
if f["severity_source"] != "cvss:ghsa": problems.append(f"severity source {f['severity_source']}")
if not f["kev"]: problems.append("no KEV")
if not f["package"].get("group_unknown"): problems.append("group_unknown lost")
# Language purls follow their purl type, never the distro's namespace.
purls = {x["package"]["name"]: x["package"]["purl"] for x in r["findings"] if x["package"]["type"] != "deb"}
want = {"lodash": "pkg:npm/lodash@4.17.15", "stdlib": "pkg:golang/stdlib@1.17.2"}
for name, purl in want.items():
    if purls.get(name) != purl: problems.append(f"{name} purl {purls.get(name)}, want {purl}")
for name, purl in purls.items():
    if "/debian/" in purl or "distro=" in purl: problems.append(f"{name}: a distro purl for a language package: {purl}")
distro = [x for x in r["findings"] if x["package"]["type"] == "deb"]
rated = [x for x in distro if x["severity"] != "UNKNOWN"]
if not distro or not rated: problems.append("no rated distro finding")
for x in rated:
    if not x["severity_source"]: problems.append(f"{x['id']}: a severity without its source")
if any(d["level"] == "incomplete" for d in r["diagnostics"]): problems.append("incomplete diagnostics")
# CycloneDX: unique bom-refs, every finding affects a listed component, the jar listed under the resolved purl.
refs = [c["bom-ref"] for c in bom["components"]]
if len(refs) != len(set(refs)): problems.append("duplicate bom-refs")
for v in bom["vulnerabilities"]:
    for a in v["affects"]:
        if a["ref"] not in refs: problems.append(f"{v['id']} affects {a['ref']}, which is no component")
if "pkg:maven/org.apache.logging.log4j/log4j-core@2.8" not in {c.get("purl") for c in bom["components"]}:
    problems.append("the jar is not listed under its resolved purl")
print(f"demo: Log4Shell {f['severity']} via {f['severity_source']}, KEV {f['kev']['date_added']}; "
      f"{len(rated)}/{len(distro)} distro findings rated; {len(r['findings'])} findings")
if problems:
    print("FAIL: " + "; ".join(problems[:20]))
    sys.exit(1)
PYEOF
[ $fail -eq 0 ] && echo "lang match e2e: all parts agree with the reference evaluation"
exit $fail

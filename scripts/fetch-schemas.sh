#!/usr/bin/env bash
# Fetches the JSON Schema validator and the official schemas the report tests validate against, from npm, into
# build/tools (or $1). Idempotent: what is present is not fetched again. Needs node + npm (Debian: nodejs, npm).
#   - ajv 8 + ajv-draft-04 + ajv-formats: the validator, driven by scripts/validate-json-schema.js.
#   - @cyclonedx/cyclonedx-library: res/schema/bom-1.5 + spdx + jsf-0.82 (Apache-2.0), CycloneDX 1.5.
#   - @microsoft/jest-sarif: lib/schemas/sarif-2.1.0-rtm.5.json (MIT), the SARIF 2.1.0 schema.
# The SPDX 2.3 document schema is not shipped by any npm or Debian package we found; put it at
# $TOOLS/schemas/spdx-2.3.schema.json by hand to enable that check (the test says when it is missing).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${1:-$root/build/tools}"
schemas="$tools/schemas"
mkdir -p "$schemas"

if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-schemas: npm not found (apt-get install nodejs npm)" >&2
  exit 1
fi

if [ ! -d "$tools/node_modules/ajv-draft-04" ] || [ ! -d "$tools/node_modules/ajv-formats" ]; then
  echo "fetch-schemas: installing ajv into $tools"
  npm install --prefix "$tools" --no-audit --no-fund --silent ajv@8.17.1 ajv-draft-04@1.0.0 ajv-formats@2.1.1 >/dev/null
fi

# fetch PACKAGE@VERSION PATH-IN-TARBALL DEST-NAME
fetch() {
  local spec="$1" inner="$2" dest="$schemas/$3"
  [ -s "$dest" ] && return 0
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz "package/$inner")
  cp "$tmp/package/$inner" "$dest"
  rm -rf "$tmp"
  echo "fetch-schemas: $3 from $spec"
}

fetch @cyclonedx/cyclonedx-library@10.3.0 res/schema/bom-1.5.SNAPSHOT.schema.json bom-1.5.SNAPSHOT.schema.json
fetch @cyclonedx/cyclonedx-library@10.3.0 res/schema/spdx.SNAPSHOT.schema.json spdx.SNAPSHOT.schema.json
fetch @cyclonedx/cyclonedx-library@10.3.0 res/schema/jsf-0.82.SNAPSHOT.schema.json jsf-0.82.SNAPSHOT.schema.json
fetch @microsoft/jest-sarif@1.0.0-beta.0 lib/schemas/sarif-2.1.0-rtm.5.json sarif-2.1.0.schema.json
echo "fetch-schemas: ready in $tools"

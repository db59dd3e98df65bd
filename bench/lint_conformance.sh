#!/usr/bin/env bash
# Measures customs lint's agreement with the published tests of hadolint, BuildKit, trivy-checks and checkov,
# straight from upstream: clones the four repositories (or uses checkouts named by HADOLINT_DIR, BUILDKIT_DIR,
# TRIVY_CHECKS_DIR, CHECKOV_DIR), imports their test cases into a temporary directory and runs the built binary on
# every case. Prints the agreement per suite; exits 1 when a suite is below MIN percent (default 95).
# Usage: bench/lint_conformance.sh [--verbose]   (env: CUSTOMS_BIN, CACHE_DIR, MIN, *_DIR as above)
# Without network, compare with the committed cases: bench/lint_conformance.py measure.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${CACHE_DIR:-$root/build/conformance-upstream}"
customs="${CUSTOMS_BIN:-$root/build/dev/cli/customs}"
mkdir -p "$cache"
checkout() {  # checkout VAR OWNER/NAME: prints the directory of a checkout
  local var="$1" repo="$2" dir
  dir="${!var:-$cache/${repo#*/}}"
  if [[ ! -d "$dir" ]]; then
    git clone --quiet --depth 1 "https://github.com/$repo.git" "$dir" >&2 ||
      { echo "cannot clone $repo; set $var to a checkout" >&2; exit 3; }
  fi
  echo "$dir"
}
hadolint=$(checkout HADOLINT_DIR hadolint/hadolint)
buildkit=$(checkout BUILDKIT_DIR moby/buildkit)
trivy_checks=$(checkout TRIVY_CHECKS_DIR aquasecurity/trivy-checks)
checkov=$(checkout CHECKOV_DIR bridgecrewio/checkov)
exec python3 "$root/bench/lint_conformance.py" measure --upstream --customs "$customs" --min "${MIN:-95}" \
  --hadolint "$hadolint" --buildkit "$buildkit" --trivy-checks "$trivy_checks" --checkov "$checkov" "$@"

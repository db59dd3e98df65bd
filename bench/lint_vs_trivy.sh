#!/usr/bin/env bash
# Whole-command comparison: `customs lint --format json` versus `trivy config` on the Dockerfile corpus in
# ../shared/data/dockerfiles/corpus. Each corpus file is laid out as <name>/Dockerfile in a temp tree so both
# tools discover the same files. Prints the median wall time of RUNS runs each and the ratio.
# Usage: bench/lint_vs_trivy.sh [RUNS]   (env: CUSTOMS_BIN, TRIVY_BIN, CORPUS)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
customs="${CUSTOMS_BIN:-$root/build/dev/cli/customs}"
trivy="${TRIVY_BIN:-$("$root/scripts/fetch-trivy.sh")}"
corpus="${CORPUS:-$root/../shared/data/dockerfiles/corpus}"
[[ -x "$customs" ]] || { echo "build customs first: cmake --build build/dev --target customs" >&2; exit 3; }
[[ -d "$corpus" ]] || { echo "no corpus at $corpus" >&2; exit 3; }

tree="$(mktemp -d /tmp/lint-bench.XXXXXX)"
cache="$(mktemp -d /tmp/lint-bench-trivy-cache.XXXXXX)"
trap 'rm -rf "$tree" "$cache"' EXIT
n=0
for f in "$corpus"/*; do
  [[ "$(basename "$f")" == MANIFEST.md ]] && continue
  mkdir -p "$tree/$(basename "$f")"
  cp "$f" "$tree/$(basename "$f")/Dockerfile"
  n=$((n + 1))
done

now_us() { local ns; ns=$(date +%s%N); echo $((ns / 1000)); }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

time_cmd() {  # prints milliseconds (3 decimals); the command's output goes to $out
  local start end
  start=$(now_us)
  "$@" >"$out" 2>/dev/null || true
  end=$(now_us)
  awk -v d=$((end - start)) 'BEGIN { printf "%.3f", d / 1000 }'
}

out="$tree.customs.json"
customs_times=()
for ((i = 0; i < runs; i++)); do customs_times+=("$(time_cmd "$customs" lint -r --format json --fail-on critical "$tree")"); done
customs_findings=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$out")

out="$tree.trivy.json"
trivy_times=()
for ((i = 0; i < runs; i++)); do
  trivy_times+=("$(time_cmd "$trivy" config --quiet --skip-policy-update --cache-dir "$cache" --format json "$tree")")
done
trivy_findings=$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(len(r.get('Misconfigurations') or []) for r in d.get('Results') or []))" "$out")
rm -f "$tree.customs.json" "$tree.trivy.json"

cm=$(printf '%s\n' "${customs_times[@]}" | median)
tm=$(printf '%s\n' "${trivy_times[@]}" | median)
echo "corpus: $n Dockerfiles, $runs runs each"
echo "customs lint: median ${cm} ms  (runs: ${customs_times[*]})  findings: $customs_findings"
echo "trivy config: median ${tm} ms  (runs: ${trivy_times[*]})  findings: $trivy_findings"
awk -v c="$cm" -v t="$tm" 'BEGIN { printf "ratio: customs is %.0fx faster\n", t / c }'

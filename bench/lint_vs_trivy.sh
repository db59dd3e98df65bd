#!/usr/bin/env bash
# Whole-command comparison: `customs lint --format json` versus `trivy config` on the Dockerfile corpus in
# ../shared/data/dockerfiles/corpus. Each corpus file is laid out as <name>/Dockerfile in a temp tree so both tools
# discover the same files. The tools alternate run by run (customs first on even runs, Trivy first on odd ones), every
# run must succeed, and every run's output must be a valid report that covers the whole tree; then the script checks
# that both saw the same files, compares the findings Trivy reports with the customs findings that carry the same
# AVD id, and prints the median wall time of RUNS runs each and the ratio.
# Usage: bench/lint_vs_trivy.sh [RUNS]   (env: CUSTOMS_BIN, TRIVY_BIN, CORPUS)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
customs="${CUSTOMS_BIN:-$root/build/dev/cli/customs}"
trivy="${TRIVY_BIN:-$("$root/scripts/fetch-trivy.sh")}"
corpus="${CORPUS:-$root/../shared/data/dockerfiles/corpus}"
[[ -x "$customs" ]] || { echo "build customs first: cmake --build build/dev --target customs" >&2; exit 3; }
[[ -x "$trivy" ]] || { echo "no trivy binary at $trivy (scripts/fetch-trivy.sh)" >&2; exit 3; }
[[ -d "$corpus" ]] || { echo "no corpus at $corpus" >&2; exit 3; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive number" >&2; exit 2; }

tree="$(mktemp -d /tmp/lint-bench.XXXXXX)"
cache="$(mktemp -d /tmp/lint-bench-trivy-cache.XXXXXX)"
outs="$(mktemp -d /tmp/lint-bench-out.XXXXXX)"
trap 'rm -rf "$tree" "$cache" "$outs"' EXIT
n=0
for f in "$corpus"/*; do
  [[ "$(basename "$f")" == MANIFEST.md ]] && continue
  mkdir -p "$tree/$(basename "$f")"
  cp "$f" "$tree/$(basename "$f")/Dockerfile"
  n=$((n + 1))
done
[[ $n -gt 0 ]] || { echo "the corpus at $corpus has no Dockerfiles" >&2; exit 3; }

now_us() { local ns; ns=$(date +%s%N); echo $((ns / 1000)); }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# run TOOL OUTPUT: runs one tool once, prints milliseconds; exits when the tool fails or its report is not valid.
run() {
  local tool="$1" out="$2" start end rc=0
  start=$(now_us)
  if [[ "$tool" == customs ]]; then
    # --fail-on critical: exit 0 unless a critical finding (then 1); 2 and 3 are usage and file errors.
    "$customs" lint -r --format json --fail-on critical "$tree" >"$out" 2>"$out.err" || rc=$?
    [[ $rc -eq 0 || $rc -eq 1 ]] || { echo "customs lint failed (exit $rc):" >&2; cat "$out.err" >&2; exit 1; }
  else
    "$trivy" config --quiet --skip-policy-update --cache-dir "$cache" --format json "$tree" >"$out" 2>"$out.err" ||
      rc=$?
    [[ $rc -eq 0 ]] || { echo "trivy config failed (exit $rc):" >&2; cat "$out.err" >&2; exit 1; }
  fi
  end=$(now_us)
  python3 - "$tool" "$out" "$tree" "$n" <<'PY' || exit 1
import json, os, sys
tool, path, tree, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
try:
    doc = json.load(open(path))
except ValueError as e:
    sys.exit(f"{tool}: output is not JSON: {e}")
if tool == "customs":
    files = {os.path.relpath(f, tree) for f in doc.get("files", [])}
else:
    files = {r["Target"] for r in doc.get("Results") or [] if r.get("Class") == "config"}
# customs must report on every file; Trivy silently leaves out files its parser rejects (one corpus file with
# RUN --security=insecure), so a few may be missing from its report, but not most of them.
if len(files) != n if tool == "customs" else len(files) < 0.9 * n:
    sys.exit(f"{tool}: report covers {len(files)} of {n} Dockerfiles")
PY
  awk -v d=$((end - start)) 'BEGIN { printf "%.3f", d / 1000 }'
}

customs_times=()
trivy_times=()
for ((i = 0; i < runs; i++)); do
  if ((i % 2 == 0)); then
    customs_times+=("$(run customs "$outs/customs.json")")
    trivy_times+=("$(run trivy "$outs/trivy.json")")
  else
    trivy_times+=("$(run trivy "$outs/trivy.json")")
    customs_times+=("$(run customs "$outs/customs.json")")
  fi
done

# Comparable output: the same files (less any Trivy could not read), and Trivy's findings next to the customs findings carrying the same AVD id.
python3 - "$outs/customs.json" "$outs/trivy.json" "$tree" <<'PY'
import collections, json, os, sys
c = json.load(open(sys.argv[1]))
t = json.load(open(sys.argv[2]))
tree = sys.argv[3]
cfiles = {os.path.relpath(f, tree) for f in c["files"]}
tfiles = {r["Target"] for r in t.get("Results") or [] if r.get("Class") == "config"}
if not tfiles <= cfiles:
    sys.exit(f"trivy reported files customs did not: {sorted(tfiles - cfiles)}")
for missing in sorted(cfiles - tfiles):
    print(f"not in Trivy's report (Trivy could not read it): {missing}")
tcount = collections.Counter()
tfile = collections.defaultdict(set)
for r in t.get("Results") or []:
    for m in r.get("Misconfigurations") or []:
        if m.get("Status", "FAIL") == "FAIL":
            tcount[m["AVDID"]] += 1
            tfile[m["AVDID"]].add(r["Target"])
ccount = collections.Counter()
cfile = collections.defaultdict(set)
for f in c["findings"]:
    for a in f["aliases"]:
        if a.startswith("AVD-"):
            ccount[a] += 1
            cfile[a].add(os.path.relpath(f["file"], tree))
print(f"findings: customs {len(c['findings'])}, trivy {sum(tcount.values())}")
print("AVD id        trivy  customs  files-both  files-only-trivy  files-only-customs")
for avd in sorted(set(tcount) | set(ccount)):
    both = len(tfile[avd] & cfile[avd])
    print(f"{avd:<13} {tcount[avd]:>5}  {ccount[avd]:>7}  {both:>10}  {len(tfile[avd] - cfile[avd]):>16}  "
          f"{len(cfile[avd] - tfile[avd]):>18}")
PY

cm=$(printf '%s\n' "${customs_times[@]}" | median)
tm=$(printf '%s\n' "${trivy_times[@]}" | median)
echo "corpus: $n Dockerfiles, $runs runs each, alternating (customs first on even runs)"
echo "customs lint: median ${cm} ms  (runs: ${customs_times[*]})"
echo "trivy config: median ${tm} ms  (runs: ${trivy_times[*]})"
awk -v c="$cm" -v t="$tm" 'BEGIN { printf "ratio: customs is %.0fx faster\n", t / c }'

#!/usr/bin/env bash
# Runs every benchmark (`make bench`): the Google Benchmark binaries and the side-by-side command scripts, each with
# its own output in BUILD/bench-results/<name>.txt, then a summary. A benchmark that fails, or whose tools disagree,
# is listed as FAILED and makes this script exit 1; one that cannot run here is listed as NOT RUN with the reason.
# Numbers are measurements, not tests: record them with their command in docs/benchmarks/<area>.md.
# usage: bench/run_all.sh [BUILD_DIR] [RUNS]   (BUILD_DIR default build/release, with its testimages/ from
#        scripts/testimages.sh; RUNS per side-by-side comparison, default 5)
set -uo pipefail
BUILD=${1:-build/release}
RUNS=${2:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$BUILD/bench-results
mkdir -p "$OUT"
export CUSTOMS_TESTIMAGES=${CUSTOMS_TESTIMAGES:-$BUILD/testimages}
CUSTOMS=$BUILD/cli/customs
[ -x "$CUSTOMS" ] || { echo "run_all: $CUSTOMS missing (cmake --preset release && cmake --build build/release)"; exit 1; }

declare -a SUMMARY
failed=0
run() {  # run NAME CMD... : output to the terminal and to $OUT/NAME.txt
  local name=$1
  shift
  echo
  echo "=== $name: $*"
  local start=$SECONDS
  "$@" 2>&1 | tee "$OUT/$name.txt"
  local rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ]; then
    SUMMARY+=("ok       $name ($((SECONDS - start)) s)")
  else
    SUMMARY+=("FAILED   $name (exit $rc; see $OUT/$name.txt)")
    failed=1
  fi
}
not_run() { SUMMARY+=("NOT RUN  $1: $2"); }

echo "run_all: $("$CUSTOMS" --version), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"

# In-process micro-benchmarks.
for bench in version_bench catalog_bench vulndb_bench lint_bench runtime_bench image_bench lang_bench; do
  if [ -x "$BUILD/bench/$bench" ]; then
    run "$bench" "$BUILD/bench/$bench" --benchmark_min_time=0.3 --benchmark_repetitions=3 \
      --benchmark_report_aggregates_only=true
  else
    not_run "$bench" "not built ($BUILD/bench/$bench; CUSTOMS_BUILD_BENCH=ON)"
  fi
done

# Whole commands, one tool.
run version_cli sh "$HERE/version_cli.sh" "$CUSTOMS"
run vulndb_import bash "$HERE/vulndb_import.sh" "$BUILD" 3

# Side by side with a peer tool (alternating runs, both checked before a ratio).
if [ -d "$CUSTOMS_TESTIMAGES/bookworm" ]; then
  run sbom_vs_trivy bash "$HERE/sbom_vs_trivy.sh" "$BUILD" "$RUNS"
  run audit_vs_trivy bash "$HERE/audit_vs_trivy.sh" "$BUILD" "$RUNS"
  if command -v docker-registry >/dev/null && command -v skopeo >/dev/null; then
    run pull_vs_skopeo bash "$HERE/pull_vs_skopeo.sh" "$CUSTOMS" "$RUNS"
  else
    not_run pull_vs_skopeo "docker-registry or skopeo missing (scripts/install-deps.sh)"
  fi
  if command -v docker-registry >/dev/null && command -v skopeo >/dev/null &&
    [ -x /usr/lib/postgresql/15/bin/pg_ctl ]; then
    run server_scale python3 "$HERE/server_scale.py" "$BUILD" 12 2
  else
    not_run server_scale "docker-registry, skopeo or postgresql-15 missing (scripts/install-deps.sh)"
  fi
else
  not_run sbom_vs_trivy "no test images in $CUSTOMS_TESTIMAGES (scripts/testimages.sh)"
  not_run audit_vs_trivy "no test images in $CUSTOMS_TESTIMAGES (scripts/testimages.sh)"
  not_run pull_vs_skopeo "no test images in $CUSTOMS_TESTIMAGES (scripts/testimages.sh)"
  not_run server_scale "no test images in $CUSTOMS_TESTIMAGES (scripts/testimages.sh)"
fi
if [ -f "$CUSTOMS_TESTIMAGES/lang-binary/artifacts/.complete" ]; then
  run lang_vs_trivy bash "$HERE/lang_vs_trivy.sh" "$BUILD" "$RUNS"
  run lang_fatjar_memory bash "$HERE/lang_fatjar_memory.sh" "$BUILD" 3
else
  not_run lang_vs_trivy "no language artifacts in $CUSTOMS_TESTIMAGES/lang-binary (scripts/testimages.sh)"
  not_run lang_fatjar_memory "no language artifacts in $CUSTOMS_TESTIMAGES/lang-binary (scripts/testimages.sh)"
fi
run lang_meta_vs_trivy bash "$HERE/lang_meta_vs_trivy.sh" "$BUILD" "$RUNS"
run lint_vs_trivy env CUSTOMS_BIN="$CUSTOMS" bash "$HERE/lint_vs_trivy.sh" "$RUNS"
if [ "$(id -u)" -eq 0 ]; then
  run runtime_overhead bash "$HERE/runtime_overhead.sh" "$CUSTOMS"
else
  not_run runtime_overhead "needs root and eBPF"
fi

echo
echo "=== summary (outputs in $OUT)"
printf '  %s\n' "${SUMMARY[@]}"
exit $failed

#!/usr/bin/env bash
# Whole-command benchmark: import every feed snapshot of the shared test data into a fresh store, measuring wall time
# and peak RSS with GNU time, then report the store size. One tool, no ratio: the run counts only if the import
# succeeded and every source it names holds records.
# usage: bench/vulndb_import.sh [BUILD_DIR] [RUNS]   (data: $CUSTOMS_SHARED_DATA/vulndata, default ../shared/data
#        beside this checkout, or beside the main checkout of a git worktree)
set -euo pipefail
BUILD=${1:-build/release}
RUNS=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${CUSTOMS_SHARED_DATA:-$ROOT/../shared/data}
if [ ! -d "$SHARED" ]; then
  common=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  [ -n "$common" ] && SHARED=$(cd "$common/../.." && pwd)/shared/data
fi
DATA=$SHARED/vulndata
[ -d "$DATA" ] || { echo "no shared vulndata at $DATA (set CUSTOMS_SHARED_DATA)"; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
echo "data: $DATA; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$RUNS"); do
  rm -f "$OUT/customs.db"
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/time.txt" "$BUILD/cli/customs" db import "$DATA" --db "$OUT/customs.db" \
    >"$OUT/import.txt" 2>"$OUT/err.txt" || { echo "import failed:"; tail -5 "$OUT/err.txt"; exit 1; }
  # The SOURCE table: every row must hold records, and the main feeds must be there.
  awk '/^SOURCE/ {t=1; next} t && NF >= 2 {print $1, $2}' "$OUT/import.txt" >"$OUT/sources"
  for source in alpine debian debian-dsa epss kev nvd osv-go osv-pypi; do
    grep -q "^$source " "$OUT/sources" || { echo "import did not report source $source"; cat "$OUT/import.txt"; exit 1; }
  done
  if awk '$2 <= 0 {bad=1} END {exit !bad}' "$OUT/sources"; then
    echo "a source imported no records:"; cat "$OUT/sources"; exit 1
  fi
  read -r wall user sys rss <"$OUT/time.txt"
  echo "run $run: ${wall} s wall, ${user} s user, ${sys} s sys, $((rss / 1024)) MB peak RSS;" \
    "$(wc -l <"$OUT/sources") sources, $(grep -E '^(vulnerabilities|package rows):' "$OUT/import.txt" | tr -s ' ' |
      paste -sd';'), store $(stat -c %s "$OUT/customs.db") bytes"
done

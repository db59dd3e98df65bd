#!/bin/sh
# Whole-command benchmark: import every feed snapshot in ../shared/data/vulndata into a fresh store, measuring wall
# time and peak RSS with GNU time, then report the store size. Usage: bench/vulndb_import.sh [build-dir]
set -eu
build=${1:-build/release}
data=$(cd "$(dirname "$0")/.." && pwd)/../shared/data/vulndata
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/time -v "$build/cli/customs" db import "$data" --db "$out/customs.db" >/dev/null 2>"$out/time.txt" || {
  cat "$out/time.txt"; exit 1; }
grep -E 'User time|System time|Elapsed \(wall clock\)|Maximum resident set size' "$out/time.txt"
echo "store size: $(stat -c %s "$out/customs.db") bytes"

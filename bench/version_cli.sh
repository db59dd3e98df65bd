#!/bin/sh
# Whole-command throughput of `customs version compare --scheme deb -`: one million pairs in one process.
# Usage: bench/version_cli.sh [path/to/customs]   (default build/dev/cli/customs)
set -eu
BIN=${1:-build/dev/cli/customs}
DIR=$(dirname "$0")/..
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10; do
  zcat "$DIR/src/version/testdata/dpkg_pairs.txt.gz" | cut -d' ' -f1,2
done > "$TMP/pairs"
wc -l < "$TMP/pairs"
/usr/bin/time -f "%e s wall, %U s user, %M KB max RSS" "$BIN" version compare --scheme deb - < "$TMP/pairs" > "$TMP/out"
wc -l < "$TMP/out"

#!/bin/sh
# Whole-command throughput of `customs version compare --scheme deb -`: one million pairs in one process. The run
# counts only when every answer equals dpkg's own (the cached reference answers in src/version/testdata).
# Usage: bench/version_cli.sh [path/to/customs]   (default build/dev/cli/customs)
set -eu
BIN=${1:-build/dev/cli/customs}
DIR=$(dirname "$0")/..
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for _ in 1 2 3 4 5 6 7 8 9 10; do
  zcat "$DIR/src/version/testdata/dpkg_pairs.txt.gz"
done > "$TMP/ref"
cut -d' ' -f1,2 "$TMP/ref" > "$TMP/pairs"
cut -d' ' -f3 "$TMP/ref" > "$TMP/want"
/usr/bin/time -f "%e s wall, %U s user, %M KB max RSS" -o "$TMP/time" "$BIN" version compare --scheme deb - \
  < "$TMP/pairs" > "$TMP/out"
cmp -s "$TMP/out" "$TMP/want" || { echo "answers differ from dpkg's: no measurement"; exit 1; }
echo "$(wc -l < "$TMP/pairs") pairs, every answer equal to dpkg's: $(cat "$TMP/time")"

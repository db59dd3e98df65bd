#!/bin/sh
# End-to-end check of `customs version compare`: answers for the cached dpkg/rpm reference pairs, exit codes.
# Usage: cli_test.sh path/to/customs path/to/src/version/testdata
set -eu
BIN=$1
DATA=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
for scheme in dpkg rpm; do
  flag=$scheme; [ "$scheme" = dpkg ] && flag=deb
  zcat "$DATA/${scheme}_pairs.txt.gz" > "$TMP/ref"
  cut -d' ' -f1,2 "$TMP/ref" | "$BIN" version compare --scheme "$flag" - > "$TMP/out" || fail "$scheme batch exit $?"
  cut -d' ' -f3 "$TMP/ref" > "$TMP/want"
  cmp -s "$TMP/out" "$TMP/want" || fail "$scheme batch answers differ from the reference"
  echo "$scheme: $(wc -l < "$TMP/out") answers agree with the reference"
done
[ "$("$BIN" version compare --scheme deb 1.0~rc1 1.0)" = "<" ] || fail "single pair"
[ "$("$BIN" version compare --scheme pep440 1.0.0a1 1.0.0-alpha.1)" = "=" ] || fail "pep440 single pair"
set +e
"$BIN" version compare --scheme nope 1 2 >/dev/null 2>&1; [ $? -eq 2 ] || fail "unknown scheme must exit 2"
"$BIN" version compare --scheme deb 1 >/dev/null 2>&1; [ $? -eq 2 ] || fail "one version must exit 2"
"$BIN" version compare --scheme deb a1 1 >/dev/null 2>&1; [ $? -eq 3 ] || fail "bad version must exit 3"
printf '1 2\n1.0 x:1\n2 1\n' | "$BIN" version compare --scheme deb - > "$TMP/out" 2> "$TMP/err"
[ $? -eq 3 ] || fail "bad batch line must exit 3"
set -e
[ "$(tr '\n' ' ' < "$TMP/out")" = "< ? > " ] || fail "batch output with a bad line: $(cat "$TMP/out")"
grep -q "line 2" "$TMP/err" || fail "stderr must name line 2"
echo ok

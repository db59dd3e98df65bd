#!/usr/bin/env bash
# Proves that a skip can never pass silently: the gtest main and scripts/test-summary.sh are run on a test binary that
# skips on request. Inner output goes to files, so this test's own log holds no skip lines.
# usage: skip_selftest.sh SKIP_SELFTEST_BINARY SOURCE_DIR
set -uo pipefail
BIN=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail=0
check() {  # check WANT_RC DESCRIPTION ENV... -- ARGS...
  local want=$1 what=$2
  shift 2
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  env -u CUSTOMS_REQUIRE_ALL -u CUSTOMS_SELFTEST_SKIP "${envs[@]}" "$BIN" "$@" >"$TMP/out" 2>&1
  local got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: exit $got, want $want"; sed 's/^/    | /' "$TMP/out"; fail=1
  else
    echo "ok: $what"
  fi
}
check 0 "no skip: passes" --
check 0 "one of two skipped: the other passed, exit 0" CUSTOMS_SELFTEST_SKIP=1 --
grep -q '^  SKIPPED SkipSelfTest.SkipsOnRequest: asked to skip' "$TMP/out" || { echo "FAIL: the skip and its reason are not printed"; fail=1; }
check 77 "every test skipped: exit 77 (CTest: Skipped)" CUSTOMS_SELFTEST_SKIP=1 -- --gtest_filter=SkipSelfTest.SkipsOnRequest
check 1 "CUSTOMS_REQUIRE_ALL=1: a skip fails" CUSTOMS_SELFTEST_SKIP=1 CUSTOMS_REQUIRE_ALL=1 --
check 0 "CUSTOMS_REQUIRE_ALL=1 without a skip passes" CUSTOMS_REQUIRE_ALL=1 --

# The summary counts skips in a CTest log, and fails under CUSTOMS_REQUIRE_ALL=1.
mkdir -p "$TMP/build/Testing/Temporary"
CUSTOMS_SELFTEST_SKIP=1 "$BIN" >"$TMP/build/Testing/Temporary/LastTest.log" 2>&1
printf 'SKIP: docker-registry is not installed\n' >>"$TMP/build/Testing/Temporary/LastTest.log"
env -u CUSTOMS_REQUIRE_ALL bash "$SRC/scripts/test-summary.sh" "$TMP/build" 0 >"$TMP/summary" 2>&1
rc=$?
if [ $rc -ne 0 ] || ! grep -q '2 test(s) skipped' "$TMP/summary"; then
  echo "FAIL: test-summary did not count 2 skips (exit $rc)"; sed 's/^/    | /' "$TMP/summary"; fail=1
else
  echo "ok: test-summary counts the skips"
fi
CUSTOMS_REQUIRE_ALL=1 bash "$SRC/scripts/test-summary.sh" "$TMP/build" 0 >"$TMP/summary" 2>&1
[ $? -eq 1 ] && echo "ok: test-summary fails under CUSTOMS_REQUIRE_ALL=1" || { echo "FAIL: test-summary passed skips under CUSTOMS_REQUIRE_ALL=1"; fail=1; }
: >"$TMP/build/Testing/Temporary/LastTest.log"
CUSTOMS_REQUIRE_ALL=1 bash "$SRC/scripts/test-summary.sh" "$TMP/build" 0 >"$TMP/summary" 2>&1
[ $? -eq 0 ] && echo "ok: test-summary passes a log without skips" || { echo "FAIL: test-summary failed a clean log"; fail=1; }
exit $fail

#!/usr/bin/env bash
# Prints how many tests were skipped in the last `ctest` run and why, from CTest's own log. A skip is printed by the
# test itself ("  SKIPPED Suite.Name: reason" from tests/support/gtest_main.cpp, "SKIP: reason" from shell and
# python tests).
# usage: test-summary.sh BUILD_DIR [CTEST_EXIT_CODE]
# Exits with the ctest exit code, or 1 when CUSTOMS_REQUIRE_ALL=1 and anything was skipped.
set -uo pipefail
BUILD=$1
CTEST_RC=${2:-0}
LOG=$BUILD/Testing/Temporary/LastTest.log
if [ ! -f "$LOG" ]; then
  echo "test-summary: no CTest log at $LOG" >&2
  exit 1
fi
skips=$(grep -E '^(  SKIPPED [^ ]+: |SKIP: )' "$LOG" | sed -E 's/^  SKIPPED /  /; s/^SKIP: /  /' | sort -u)
count=0
[ -n "$skips" ] && count=$(printf '%s\n' "$skips" | wc -l)
echo
if [ "$count" -eq 0 ]; then
  echo "test-summary: 0 tests skipped"
else
  echo "test-summary: $count test(s) skipped:"
  printf '%s\n' "$skips"
  if [ "${CUSTOMS_REQUIRE_ALL:-}" = "1" ]; then
    echo "test-summary: CUSTOMS_REQUIRE_ALL=1: skipped tests fail the run"
    exit 1
  fi
fi
exit "$CTEST_RC"

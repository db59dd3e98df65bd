# Sourced by shell tests: `customs_skip REASON` reports a skip honestly.
# It prints "SKIP: REASON" (scripts/test-summary.sh counts these lines in CTest's log) and exits 77 (CTest: "Skipped"),
# or exits 1 under CUSTOMS_REQUIRE_ALL=1, where every test must run.
customs_skip() {
  echo "SKIP: $*"
  if [ "${CUSTOMS_REQUIRE_ALL:-}" = "1" ]; then
    echo "FAIL: CUSTOMS_REQUIRE_ALL=1: a skipped test is a failure"
    exit 1
  fi
  exit 77
}

#!/usr/bin/env bash
# End-to-end checks of `customs lint` through the built binary: exit codes (0/1/2/3), --exit-code, --fail-on,
# JSON schema, --output, --config, --target/--build-arg, NO_COLOR and discovery. Usage: lint_cli.sh CUSTOMS_BIN
set -uo pipefail
bin="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$root/src/lint/testdata"
tmp="$(mktemp -d /tmp/lint-cli.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect CODE DESCRIPTION -- command...
  local want="$1" what="$2"
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [[ "$got" != "$want" ]]; then
    echo "FAIL: $what: exit $got, want $want"; cat "$tmp/err"; fail=1
  else
    echo "ok: $what"
  fi
}
expect 1 "seed fails at the default gate" -- "$bin" lint "$data/seed.Dockerfile"
grep -q "attacker-tools" "$tmp/out" || { echo "FAIL: tty output lacks attacker-tools"; fail=1; }
grep -q $'\x1b\[' "$tmp/out" && { echo "FAIL: colour written to a pipe"; fail=1; }
expect 7 "--exit-code 7" -- "$bin" lint --exit-code 7 "$data/seed.Dockerfile"
expect 0 "--fail-on critical passes" -- "$bin" lint --fail-on critical "$data/seed.Dockerfile"
expect 2 "bad --fail-on is a usage error" -- "$bin" lint --fail-on sometimes "$data/seed.Dockerfile"
expect 2 "bad --format is a usage error" -- "$bin" lint --format yaml "$data/seed.Dockerfile"
expect 2 "bad --build-arg is a usage error" -- "$bin" lint --build-arg NOEQUALS "$data/seed.Dockerfile"
printf 'FROM alpine\nRUN <<EOF\necho\n' >"$tmp/Dockerfile.broken"
expect 3 "unterminated heredoc is exit 3" -- "$bin" lint "$tmp/Dockerfile.broken"
grep -q "line" "$tmp/err" || { echo "FAIL: parse error lacks a line"; fail=1; }
printf '\x7fELF\x00\x00\x01' >"$tmp/binary.Dockerfile"
expect 3 "binary file is exit 3" -- "$bin" lint "$tmp/binary.Dockerfile"
expect 3 "missing path is exit 3" -- "$bin" lint "$tmp/does-not-exist"
expect 1 "json to --output" -- "$bin" lint --format json --output "$tmp/report.json" "$data/seed.Dockerfile"
python3 - "$tmp/report.json" <<'P' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "customs.lint/v1", d["schema"]
assert len(d["files"]) == 1
rules = {f["rule"] for f in d["findings"]}
for r in ["base-image-full-os", "base-image-latest", "attacker-tools", "root-user", "apt-get-install-recommends"]:
    assert r in rules, r
for f in d["findings"]:
    assert set(f) == {"rule", "aliases", "severity", "file", "line", "end_line", "stage", "message", "fix"}, f
print("ok: json schema")
P
for fmt in sarif checkstyle junit codeclimate; do
  expect 1 "format $fmt" -- "$bin" lint --format "$fmt" "$data/seed.Dockerfile"
done
printf 'ignored: [attacker-tools, AVD-DS-0002]\nfailure_threshold: critical\n' >"$tmp/cfg.yaml"
expect 0 "--config threshold and ignores" -- "$bin" lint --config "$tmp/cfg.yaml" --format json "$data/seed.Dockerfile"
grep -q '"attacker-tools"\|"root-user"' "$tmp/out" && { echo "FAIL: ignored rules reported"; fail=1; }
expect 1 "--target judges the dev stage" -- "$bin" lint --target dev --fail-on high "$data/multistage-target.Dockerfile"
expect 0 "default target (prod) is clean at high" -- "$bin" lint --fail-on high "$data/multistage-target.Dockerfile"
expect 3 "unknown --target stage" -- "$bin" lint --target nope "$data/multistage-target.Dockerfile"
expect 1 "--build-arg resolves FROM" -- "$bin" lint --fail-on high --build-arg BASE=ubuntu:22.04 "$data/arg-build-arg.Dockerfile"
expect 0 "ARG default resolves FROM" -- "$bin" lint --fail-on high "$data/arg-build-arg.Dockerfile"
mkdir -p "$tmp/tree/a/b"
cp "$data/seed.Dockerfile" "$tmp/tree/a/b/Containerfile"
expect 0 "non-recursive directory finds nothing below" -- "$bin" lint "$tmp/tree"
expect 1 "recursive directory finds the Containerfile" -- "$bin" lint -r "$tmp/tree"
# BuildKit's `# check=error=true`: a reported build check fails the run whatever --fail-on says.
mkdir -p "$tmp/ctx"
printf '# check=error=true\nFROM alpine:3.20 as base\nUSER 1000\n' >"$tmp/ctx/Dockerfile"
expect 1 "check=error=true fails on a BuildKit check" -- "$bin" lint --fail-on critical "$tmp/ctx/Dockerfile"
grep -q "lint violation found for rules: FromAsCasing" "$tmp/err" || { echo "FAIL: no BuildKit error message"; fail=1; }
expect 0 "BUILDKIT_DOCKERFILE_CHECK replaces the directive" -- "$bin" lint --fail-on critical \
  --build-arg BUILDKIT_DOCKERFILE_CHECK=skip=all "$tmp/ctx/Dockerfile"
# .dockerignore next to the Dockerfile (CopyIgnoredFile), checkov skips and ONBUILD triggers, in JSON.
printf 'FROM alpine:3.20\nCOPY .env /app/\nONBUILD RUN sudo apk add curl\nRUN curl -k https://example.com/x -o /x\nUSER 1000\n' \
  >"$tmp/ctx/Dockerfile"
printf '*.env\n' >"$tmp/ctx/.dockerignore"
expect 1 "findings in JSON" -- "$bin" lint --format json --output "$tmp/ctx.json" "$tmp/ctx/Dockerfile"
printf '# checkov:skip=CKV2_DOCKER_2:internal mirror\n' >>"$tmp/ctx/Dockerfile"
"$bin" lint --format json --output "$tmp/ctx-skip.json" "$tmp/ctx/Dockerfile" >/dev/null 2>&1
python3 - "$tmp/ctx.json" "$tmp/ctx-skip.json" <<'P' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
by_rule = {}
for f in d["findings"]:
    by_rule.setdefault(f["rule"], []).append(f)
assert [f["line"] for f in by_rule["copy-ignored-file"]] == [2], by_rule.get("copy-ignored-file")
assert by_rule["copy-ignored-file"][0]["aliases"] == ["CopyIgnoredFile"]
sudo = by_rule["sudo"][0]
assert sudo["line"] == 3 and "ONBUILD" in sudo["message"], sudo
assert by_rule["tls-verification-disabled"][0]["aliases"] == ["CKV2_DOCKER_2"]
skipped = json.load(open(sys.argv[2]))
assert not [f for f in skipped["findings"] if f["rule"] == "tls-verification-disabled"], "checkov:skip ignored"
print("ok: dockerignore, ONBUILD and checkov:skip")
P
"$bin" lint --list-rules >"$tmp/rules" 2>&1
for id in CKV2_DOCKER_17 InvalidDefinitionDescription DL3062 AVD-DS-0024; do
  grep -q "$id" "$tmp/rules" || { echo "FAIL: --list-rules lacks $id"; fail=1; }
done
NO_COLOR=1 "$bin" lint "$data/seed.Dockerfile" >"$tmp/out" 2>&1
grep -q $'\x1b\[' "$tmp/out" && { echo "FAIL: NO_COLOR ignored"; fail=1; }
exit $fail

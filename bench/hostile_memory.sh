#!/usr/bin/env bash
# Max RSS and exit code of `customs sbom` and `customs image` on every hostile image class, with and without the layer
# cache (GNU time's "Maximum resident set size"). The numbers go to docs/benchmarks/hostile.md.
#
# usage: bench/hostile_memory.sh BUILD_DIR [CLASS...]
# Builds the hostile images (tests/e2e/make_hostile_images.py) and a store from data/advisories in a temp dir.
set -euo pipefail
build=${1:?usage: hostile_memory.sh BUILD_DIR [CLASS...]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
customs=$(cd "$build" && pwd)/cli/customs
[[ -x /usr/bin/time ]] || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/tests/e2e/make_hostile_images.py" "$work/images"
"$customs" db import "$here/data/advisories/debian-bookworm-derived.json.gz" --db "$work/customs.db" >/dev/null
if (($# == 0)); then
  mapfile -t classes < <(cut -d' ' -f1 "$work/images/classes.txt")
else
  classes=("$@")
fi
# One run: prints "exit maxrss_kb"; the exit shows as "crash" after a signal or the last-resort handler's line.
run() {
  /usr/bin/time -f '%x %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || true
  local line
  line=$(tail -n 1 "$work/time" | sed 's/^Command exited with non-zero status //')
  if grep -q 'internal error\|terminate called' "$work/err" || ((${line% *} >= 128)); then
    line="crash ${line#* }"
  fi
  echo "$line"
}
printf '%-26s %-22s %-22s %-22s %-22s\n' CLASS "sbom --no-cache" "sbom (cache)" "image --no-cache" "image (cache)"
for class in "${classes[@]}"; do
  image="$work/images/$class"
  rm -rf "$work/cache"
  # truncated-layer.tar: the intact archive fills the cache first, so its diff_ids are there when the cut one comes.
  if [[ -e "${image%.tar}-good.tar" ]]; then
    "$customs" sbom --format json --cache-dir "$work/cache" "${image%.tar}-good.tar" >/dev/null 2>&1 || true
  fi
  # The cached runs go twice: the first fills the cache, the second reads it; the larger RSS is shown.
  a=$(run "$customs" sbom --format json --no-cache "$image")
  b1=$(run "$customs" sbom --format json --cache-dir "$work/cache" "$image")
  b2=$(run "$customs" sbom --format json --cache-dir "$work/cache" "$image")
  c=$(run "$customs" image --format json --quiet --no-cache --db "$work/customs.db" "$image")
  d=$(run "$customs" image --format json --quiet --cache-dir "$work/cache" --db "$work/customs.db" "$image")
  b=$(printf '%s\n%s\n' "$b1" "$b2" | sort -k2 -n | tail -n 1)
  fmt() { printf 'exit %-5s %6.1f MB' "${1% *}" "$(echo "${1#* } / 1024" | bc -l)"; }
  printf '%-26s %-22s %-22s %-22s %-22s\n' "$class" "$(fmt "$a")" "$(fmt "$b")" "$(fmt "$c")" "$(fmt "$d")"
done

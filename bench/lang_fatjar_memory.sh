#!/usr/bin/env bash
# Peak memory of `customs sbom` on a root filesystem holding one ~100 MB Spring Boot style fat jar, built from the real
# jars of scripts/lang-binary-artifacts.sh: the jar tool writes the outer archive (deflated entries with data
# descriptors, so every byte is inflated to find the entries' ends), BOOT-INF/lib holds the real jars five times
# over (stored, as Spring Boot requires) and BOOT-INF/classes a deflated 36 MB resource. Target: peak RSS < 64 MB.
# usage: bench/lang_fatjar_memory.sh [BUILD_DIR] [RUNS]
set -euo pipefail
BUILD=${1:-build/release}
RUNS=${2:-5}
IMAGES=${CUSTOMS_TESTIMAGES:-$BUILD/testimages}
A=$IMAGES/lang-binary/artifacts
CUSTOMS=$BUILD/cli/customs
[ -f "$A/.complete" ] || { echo "missing $A (run scripts/testimages.sh $IMAGES)"; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/fat/BOOT-INF/lib" "$WORK/fat/BOOT-INF/classes" "$WORK/rootfs/app" "$WORK/empty/app"
for copy in 1 2 3 4 5; do
  for jar in "$A"/java/dynamodb/DynamoDBLocal_lib/*.jar "$A"/java/dynamodb/DynamoDBLocal.jar "$A"/java/debian/*.jar; do
    cp "$jar" "$WORK/fat/BOOT-INF/lib/copy$copy-$(basename "$jar")"
  done
done
cp "$A/go/buf-1.28.1" "$WORK/fat/BOOT-INF/classes/resource.bin"
printf 'Main-Class: org.springframework.boot.loader.JarLauncher\n' > "$WORK/manifest.txt"
(cd "$WORK/fat" && jar cfm "$WORK/rootfs/app/app.jar" "$WORK/manifest.txt" BOOT-INF/classes &&
  zip -q -0 -r "$WORK/rootfs/app/app.jar" BOOT-INF/lib)
size=$(stat -c %s "$WORK/rootfs/app/app.jar")
packages=$("$CUSTOMS" sbom --no-cache --format json --rootfs "$WORK/rootfs" |
  python3 -c 'import json,sys; print(sum(1 for p in json.load(sys.stdin)["packages"] if p["type"] == "maven"))')
echo "fat jar: $((size / 1048576)) MB, $(ls "$WORK/fat/BOOT-INF/lib" | wc -l) nested jars; customs finds $packages maven packages"
peak() {
  local best=0 kb
  for _ in $(seq "$RUNS"); do
    kb=$(/usr/bin/time -f "%M" "$CUSTOMS" sbom --no-cache --format json --rootfs "$1" 2>&1 >/dev/null | tail -1)
    [ "$kb" -gt "$best" ] && best=$kb
  done
  echo "$best"
}
with=$(peak "$WORK/rootfs")
without=$(peak "$WORK/empty")
printf 'peak RSS, worst of %d runs: with the fat jar %.1f MB, without it %.1f MB (target < 64 MB)\n' "$RUNS" \
  "$(echo "$with/1024" | bc -l)" "$(echo "$without/1024" | bc -l)"
[ "$with" -lt $((64 * 1024)) ]

#!/usr/bin/env bash
# Real artifacts for the Java, Go-binary and Rust-binary catalogers (src/catalog/lang/), their oracles, and the hostile
# variants built from them with real tools. Called by scripts/testimages.sh (lang_binary); usable alone:
#   scripts/lang-binary-artifacts.sh OUT_DIR      -> OUT_DIR/{npm,java,go,rust,oracle}, OUT_DIR/.complete
# Sources: the npm registry (npm pack; no install scripts run) and the Debian archive (apt-get download). Needs npm,
# python3, zip, jar (default-jdk-headless), objcopy (binutils), golang-1.19-go (go version -m is the Go oracle).
set -euo pipefail
OUT=${1:?usage: lang-binary-artifacts.sh OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
GO=${CUSTOMS_GO:-/usr/lib/go-1.19/bin/go}
for tool in npm python3 zip jar objcopy dpkg-deb "$GO"; do
  command -v "$tool" >/dev/null || { echo "lang-binary-artifacts: $tool missing (run scripts/install-deps.sh)" >&2; exit 1; }
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT/.complete" "$OUT/java" "$OUT/go" "$OUT/rust" "$OUT/oracle"
mkdir -p "$OUT/npm" "$OUT/java/built" "$OUT/go" "$OUT/rust" "$OUT/oracle/go" "$OUT/deb"
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# npm packages: jars (amplify-dynamodb-simulator carries log4j-core-2.8.jar with no pom.properties) and Go binaries
# across toolchains: go1.16.3 and go1.17.2 (pointer build info), go1.18.1, go1.20.12, go1.21.4 (inline).
NPM_PACKAGES=(amplify-dynamodb-simulator@1.14.0 esbuild-linux-64@0.12.0 esbuild-linux-64@0.14.0 turbo-linux-64@1.2.16
  @esbuild/linux-x64@0.19.12 @bufbuild/buf-linux-x64@1.28.1)
for spec in "${NPM_PACKAGES[@]}"; do
  dir="$OUT/npm/$(echo "$spec" | tr '/@' '__')"
  if [ ! -d "$dir/package" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$spec" >/dev/null && tar -xzf ./*.tgz && rm -f ./*.tgz)
  fi
done
npmdir() { echo "$OUT/npm/$(echo "$1" | tr '/@' '__')/package"; }

# Debian jars (real Maven metadata) and ripgrep (a real Rust binary with a real dependency list in its control file).
(cd "$OUT/deb" && for p in liblog4j2-java libcommons-lang3-java ripgrep; do
  ls ${p}_*.deb >/dev/null 2>&1 || apt-get download -q=2 -o APT::Key::gpgvcommand=/usr/bin/gpgv -o APT::Sandbox::User=root "$p" >/dev/null
done)

# --- Java ---
J="$OUT/java"
cp -r "$(npmdir amplify-dynamodb-simulator@1.14.0)/emulator" "$J/dynamodb"
for deb in "$OUT"/deb/liblog4j2-java_*.deb "$OUT"/deb/libcommons-lang3-java_*.deb; do dpkg-deb -x "$deb" "$WORK/debroot"; done
mkdir -p "$J/debian"
find "$WORK/debroot/usr/share/java" -type f -name '*.jar' -exec cp {} "$J/debian/" \;
LIB="$J/dynamodb/DynamoDBLocal_lib"
B="$J/built"
# A war: WEB-INF/lib with real jars, some stored (zip -0) and some deflated, and a class file.
mkdir -p "$WORK/war/WEB-INF/lib" "$WORK/war/WEB-INF/classes"
cp "$LIB/log4j-core-2.8.jar" "$LIB/jetty-util-8.1.12.v20130726.jar" "$LIB/commons-cli-1.2.jar" "$WORK/war/WEB-INF/lib/"
echo "<web-app/>" > "$WORK/war/WEB-INF/web.xml"
(cd "$WORK/war" && zip -q -r "$B/app.war" WEB-INF/web.xml WEB-INF/lib/log4j-core-2.8.jar &&
  zip -q -0 "$B/app.war" WEB-INF/lib/jetty-util-8.1.12.v20130726.jar WEB-INF/lib/commons-cli-1.2.jar)
# A Spring Boot style fat jar made by the jar tool (deflated entries with data descriptors), BOOT-INF/lib stored
# (zip -0, as Spring Boot requires), the Debian log4j-core inside, and the war inside it too (a jar in a war in a jar).
mkdir -p "$WORK/fat/BOOT-INF/lib" "$WORK/fat/META-INF/maven/com.example/demo-app"
cp "$J"/debian/log4j-api.jar "$J"/debian/commons-lang3.jar "$LIB/joda-time-2.8.2.jar" "$WORK/fat/BOOT-INF/lib/"
printf 'groupId=com.example\nartifactId=demo-app\nversion=0.0.1-SNAPSHOT\n' \
  > "$WORK/fat/META-INF/maven/com.example/demo-app/pom.properties"
printf 'Main-Class: org.springframework.boot.loader.JarLauncher\nImplementation-Version: 0.0.1-SNAPSHOT\n' > "$WORK/manifest.txt"
(cd "$WORK/fat" && jar cfm "$B/demo-app-0.0.1-SNAPSHOT.jar" "$WORK/manifest.txt" META-INF/maven &&
  cp "$B/app.war" BOOT-INF/lib/app.war && zip -q -0 -r "$B/demo-app-0.0.1-SNAPSHOT.jar" BOOT-INF)
# A "fully executable" jar: a launch script before the first local header.
printf '#!/bin/bash\nexec java -jar "$0" "$@"\nexit 0\n' | cat - "$B/demo-app-0.0.1-SNAPSHOT.jar" > "$B/demo-app-exec.jar"
# Streamed zips: zip(1) writing to a pipe and Python's zipfile writing to an unseekable stream both use data
# descriptors (bit 3), also for stored entries.
(cd "$LIB" && zip -q -0 - jetty-io-8.1.12.v20130726.jar commons-cli-1.2.jar | cat > "$B/streamed-stored.jar")
(cd "$LIB" && zip -q - jetty-io-8.1.12.v20130726.jar joda-time-2.8.2.jar | cat > "$B/streamed-deflated.jar")
python3 - "$LIB" "$B/pystream.jar" <<'PY'
import sys, zipfile
lib, out = sys.argv[1], sys.argv[2]
class Pipe:
    def __init__(self, f): self.f = f
    def write(self, b): return self.f.write(b)
    def flush(self): self.f.flush()
with open(out, "wb") as f, zipfile.ZipFile(Pipe(f), "w") as z:
    for name, method in (("ion-java-1.5.1.jar", zipfile.ZIP_STORED), ("commons-cli-1.2.jar", zipfile.ZIP_DEFLATED)):
        z.write(f"{lib}/{name}", "lib/" + name, compress_type=method)
PY
# Hostile: a jar nested 50 deep (each level deflated), a zip bomb (nested 1 GiB of zeros), truncated archives.
python3 - "$LIB/commons-cli-1.2.jar" "$B" <<'PY'
import io, sys, zipfile
inner, out = open(sys.argv[1], "rb").read(), sys.argv[2]
data = inner
for level in range(50):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"level{level}.jar" if level else "commons-cli-1.2.jar", data)
    data = buf.getvalue()
open(f"{out}/nested50.jar", "wb").write(data)
# The bomb: 16 copies of a jar holding 64 MiB of zeros, 4 levels deep: 64 MiB * 16^3 = 256 GiB if inflated.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr("zeros.bin", b"\0" * (64 << 20))
data = buf.getvalue()
for level in range(3):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for i in range(16):
            z.writestr(f"b{level}-{i}.jar", data)
    data = buf.getvalue()
open(f"{out}/bomb.jar", "wb").write(data)
PY
head -c 150000 "$B/app.war" > "$B/truncated.war"
head -c 1000 "$LIB/log4j-core-2.8.jar" > "$B/truncated-header.jar"
python3 "$ROOT/tests/lang/jar_oracle.py" "$J" > "$OUT/oracle/java.tsv"
(cd "$J" && find . -name '*.jar' -o -name '*.war' | sort | while read -r f; do
  echo "== $f"; python3 -m zipfile -l "$f" 2>&1 || true; done) > "$OUT/oracle/zip-listings.txt"

# --- Go ---
G="$OUT/go"
cp "$(npmdir esbuild-linux-64@0.12.0)/bin/esbuild" "$G/esbuild-0.12.0"
cp "$(npmdir esbuild-linux-64@0.14.0)/bin/esbuild" "$G/esbuild-0.14.0"
cp "$(npmdir turbo-linux-64@1.2.16)/bin/turbo" "$G/turbo-1.2.16"
cp "$(npmdir @esbuild/linux-x64@0.19.12)/bin/esbuild" "$G/esbuild-0.19.12"
cp "$(npmdir @bufbuild/buf-linux-x64@1.28.1)/bin/buf" "$G/buf-1.28.1"
# A module with `=>` replacements (one by another module version, one by a local directory), built here with
# Debian's go1.19 from a file:// module proxy, since no npm Go binary at hand has replacements.
python3 - "$WORK/proxy" <<'PY'
import io, json, os, sys, zipfile
proxy = sys.argv[1]
def module(path, version, declared, body):
    d = os.path.join(proxy, path, "@v")
    os.makedirs(d, exist_ok=True)
    gomod = f"module {declared}\n\ngo 1.19\n"
    open(os.path.join(d, version + ".mod"), "w").write(gomod)
    open(os.path.join(d, version + ".info"), "w").write(json.dumps({"Version": version, "Time": "2023-01-01T00:00:00Z"}))
    with open(os.path.join(d, "list"), "a") as f: f.write(version + "\n")
    with zipfile.ZipFile(os.path.join(d, version + ".zip"), "w") as z:
        z.writestr(f"{path}@{version}/go.mod", gomod)
        z.writestr(f"{path}@{version}/greet.go", body)
module("example.com/greet", "v1.0.0", "example.com/greet", 'package greet\n\nfunc Hello() string { return "hello" }\n')
module("example.com/greetfork", "v1.1.0", "example.com/greet", 'package greet\n\nfunc Hello() string { return "fork" }\n')
module("example.com/plain", "v0.3.1", "example.com/plain", 'package plain\n\nconst Name = "plain"\n')
PY
mkdir -p "$WORK/app/local"
cat > "$WORK/app/go.mod" <<'GOMOD'
module example.com/customs-demo

go 1.19

require (
	example.com/greet v1.0.0
	example.com/local v0.0.0
	example.com/plain v0.3.1
)

replace example.com/greet v1.0.0 => example.com/greetfork v1.1.0

replace example.com/local => ./local
GOMOD
printf 'module example.com/local\n\ngo 1.19\n' > "$WORK/app/local/go.mod"
printf 'package local\n\nconst Name = "local"\n' > "$WORK/app/local/local.go"
printf 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/greet"\n\t"example.com/local"\n\t"example.com/plain"\n)\n\nfunc main() { fmt.Println(greet.Hello(), local.Name, plain.Name) }\n' > "$WORK/app/main.go"
(cd "$WORK/app" && export GOPROXY="file://$WORK/proxy" GOSUMDB=off GOFLAGS=-mod=mod GOPATH="$WORK/gopath" \
  GOCACHE="$WORK/gocache" CGO_ENABLED=0 && "$GO" mod tidy >/dev/null 2>&1 && "$GO" build -buildvcs=false -trimpath -o "$G/replace-demo" . &&
  "$GO" build -buildvcs=false -trimpath -ldflags='-s -w' -o "$G/replace-demo-stripped" . && chmod -R u+w "$WORK/gopath")
# Section headers removed (e_shoff, e_shnum, e_shstrndx zeroed): the build info must be found by its magic.
python3 - "$G" <<'PY'
import shutil, struct, sys
d = sys.argv[1]
for src in ("esbuild-0.12.0", "esbuild-0.19.12"):
    dst = f"{d}/{src}-nosections"
    shutil.copy(f"{d}/{src}", dst)
    with open(dst, "r+b") as f:
        f.seek(0x28); f.write(struct.pack("<Q", 0))     # e_shoff
        f.seek(0x3c); f.write(struct.pack("<HH", 0, 0))  # e_shnum, e_shstrndx
PY
# Hostile: truncated inside the build info's region, a module length claiming 2^31 bytes, a non-Go ELF.
python3 - "$G" <<'PY'
import sys
d = sys.argv[1]
def buildinfo(data):
    at = data.find(b"\xff Go buildinf:")
    while at % 16:
        at = data.find(b"\xff Go buildinf:", at + 1)
    return at
data = open(f"{d}/esbuild-0.19.12", "rb").read()
at = buildinfo(data)
open(f"{d}/truncated-inline", "wb").write(data[: at + 40])
# Inline layout: varint(version length) version varint(modinfo length): make the second claim 2^31.
vlen = data[at + 32]
pos = at + 33 + vlen
n = 0
while data[pos + n] & 0x80: n += 1
claim = bytes([0x80, 0x80, 0x80, 0x80, 0x08])  # 2^31 as a uvarint
patched = data[:pos] + claim + data[pos + n + 1:]
open(f"{d}/claims-2g", "wb").write(patched)
old = open(f"{d}/esbuild-0.12.0", "rb").read()
open(f"{d}/truncated-pointer", "wb").write(old[: buildinfo(old) + 64])
PY
cp /usr/bin/true "$G/not-go"
chmod +x "$G"/*
for f in "$G"/*; do
  "$GO" version -m "$f" > "$OUT/oracle/go/$(basename "$f").txt" 2>&1 || true
done

# --- Rust (cargo-auditable) ---
# No binary built with cargo-auditable was found on npm or in Debian 12, and crates.io is unreachable (cargo-auditable
# cannot be installed). So Debian's real ripgrep binary gets a `.dep-v0` section written per cargo-auditable's
# documented format (zlib-compressed JSON {"packages":[{name, version, source, dependencies, root}]}), listing the real
# crates and versions Debian built it from (its X-Cargo-Built-Using field), with objcopy --add-section.
dpkg-deb -x "$OUT"/deb/ripgrep_*.deb "$WORK/rg"
dpkg-deb -f "$OUT"/deb/ripgrep_*.deb X-Cargo-Built-Using Version > "$WORK/rg-control"
python3 - "$WORK/rg-control" "$WORK/dep-v0" "$OUT/oracle/rust-rg.tsv" <<'PY'
import json, re, sys, zlib
control = open(sys.argv[1]).read()
version = re.search(r"^Version: ([^-+~\s]+)", control, re.M).group(1)
# Debian source names are crate names with '_' turned into '-'; these crates are spelled with '_' on crates.io.
underscored = {"encoding-rs": "encoding_rs", "encoding-rs-io": "encoding_rs_io", "lazy-static": "lazy_static",
               "num-cpus": "num_cpus", "once-cell": "once_cell", "serde-json": "serde_json",
               "thread-local": "thread_local"}
deps = []
for m in re.finditer(r"rust-([a-z0-9-]+?)(?:-(\d+))? \(= ([0-9.]+)[^)]*\)", control):
    name = underscored.get(m.group(1), m.group(1))
    deps.append((name, m.group(3)))
packages = [{"name": "ripgrep", "version": version, "source": "local", "dependencies": list(range(1, len(deps) + 1)),
             "root": True}]
packages += [{"name": n, "version": v, "source": "crates.io"} for n, v in deps]
open(sys.argv[2], "wb").write(zlib.compress(json.dumps({"packages": packages}, separators=(",", ":")).encode(), 7))
with open(sys.argv[3], "w") as f:
    for p in packages:
        f.write(f"{p['name']}\t{p['version']}\t{p['source']}\n")
PY
objcopy --add-section .dep-v0="$WORK/dep-v0" --set-section-flags .dep-v0=readonly "$WORK/rg/usr/bin/rg" "$OUT/rust/rg-auditable"
cp "$WORK/rg/usr/bin/rg" "$OUT/rust/rg-plain"
cp "$WORK/dep-v0" "$OUT/rust/dep-v0.zlib"
objcopy --remove-section .dep-v0 "$OUT/rust/rg-auditable" "$WORK/x" # proves objcopy sees it as a section
chmod +x "$OUT"/rust/rg-*
touch "$OUT/.complete"
echo "lang-binary-artifacts: built in $OUT"

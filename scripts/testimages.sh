#!/usr/bin/env bash
# Builds the real test images from the Debian archive with Debian tools (mmdebstrap, umoci, skopeo).
# Idempotent: results are cached under OUT (default build/dev/testimages) and rebuilt only when this script changes.
#
#   OUT/bookworm/            the multi-layer bookworm image, 4 layers:
#       1. bookworm minbase (mmdebstrap)                    "ADD rootfs"
#       2. curl + ca-certificates installed with apt          "RUN apt-get install -y --no-install-recommends curl ..."
#       3. a package purged and docs deleted (whiteouts)      "RUN apt-get purge -y ... && rm -rf /usr/share/doc"
#       4. a directory replaced (opaque whiteout, by hand)   "COPY conf /etc/customs-demo"
#     as oci/ (OCI layout), oci-archive.tar, docker-archive.tar, and rootfs/ (the same tree unpacked)
#   OUT/pinned/              bookworm + bookworm-updates + bookworm-security with packages pinned to older builds
#                            (known-fixed CVEs): oci/, docker-archive.tar, rootfs/, and PINNED.txt saying what it got
#   OUT/distroless/          a distroless-style layout (/var/lib/dpkg/status.d/*, no status file): oci/, rootfs/
#   OUT/lang-binary/         jars, Go and Rust binaries over bookworm (build_lang_binary): oci/, rootfs/, oracle/, and
#                            artifacts/ (the real artifacts and hostile variants the unit tests read)
#   OUT/lang-meta/           language packages (build_lang_meta): Debian's python3-* (OS-owned), wheels pip-installed
#                            into /usr/local (not OS-owned), ruby gems, a Composer vendor tree and a real npm
#                            node_modules tree, in 4 layers, with a wheel and an npm package removed in the last one;
#                            oci/, docker-archive.tar, rootfs/, and oracle/ (importlib.metadata, dpkg -S, RubyGems,
#                            composer show, npm ls run against the final tree)
#   OUT/demo/                the demo image (build_demo): pinned plus /app/node_modules holding a real log4j-core jar,
#                            a Go binary and lodash 4.17.15: oci/, docker-archive.tar
#
# Needs root and the Debian archive. Prints what it built.
set -euo pipefail

OUT=${1:-build/dev/testimages}
HERE=$(cd "$(dirname "$0")" && pwd)
STAMP=$(sha256sum "$0" "$HERE/layer_diff.py" "$HERE/lang-binary-artifacts.sh" "$HERE/../tests/lang/jar_oracle.py" |
  sha256sum | cut -c1-16)
MIRROR=${CUSTOMS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${CUSTOMS_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# The gpgv path is given explicitly: on this machine apt-key's own `command -v gpgv` lookup started failing mid-session
# (apt-get update said "gpgv ... required for verification, but neither seems installed" with gpgv installed).
MMDEBSTRAP=(mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr --skip=output/dev
  --format=directory --aptopt='APT::Key::gpgvcommand "/usr/bin/gpgv"')
# Reproducible timestamps make repeated builds comparable.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$STAMP" ]; then
  echo "testimages: cached in $OUT"
  exit 0
fi
for tool in mmdebstrap umoci skopeo python3; do
  command -v "$tool" >/dev/null || { echo "testimages: $tool missing (run scripts/install-deps.sh)" >&2; exit 1; }
done

WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# oci_from_layers OCI_DIR TAG LAYER_TAR:CREATED_BY ...  (each tar uncompressed; umoci gzips it)
# The config user is $IMAGE_USER (default 1000; empty: root, as an image that never says USER).
oci_from_layers() {
  local dir=$1 tag=$2
  shift 2
  rm -rf "$dir"
  umoci init --layout "$dir"
  umoci new --image "$dir:$tag"
  umoci config --image "$dir:$tag" --config.user="${IMAGE_USER-1000}" --config.cmd=/bin/bash --os=linux \
    --architecture=amd64 --no-history
  local spec
  for spec in "$@"; do
    umoci raw add-layer --image "$dir:$tag" --history.created_by="${spec#*:}" "${spec%%:*}"
  done
  umoci gc --layout "$dir"
}

tar_of() { tar -C "$1" --numeric-owner --sort=name -cf "$2" .; }

# The lang-meta image (issue 12's Python, Node, Ruby and PHP catalogers and the OS-ownership map), in 4 layers:
#   1. bookworm minbase + python3-pip, python3-urllib3, python3-requests, ruby-rack, composer (OS-owned packages)
#   2. Debian's pip installs the wheels Debian ships (/usr/share/python-wheels) into /usr/local (owned by nobody)
#   3. /app: a real `npm install` tree (scoped packages, nested duplicates, lodash 4.17.15, minimist 1.2.0) and
#      /srv/php: `composer install` of Debian-packaged PHP libraries (offline, path dists)
#   4. `pip uninstall wheel` and `npm uninstall lodash` (whiteouts of language packages)
# The oracles are the real tools run against the final tree.
build_lang_meta() {
  local M="$WORK/lang-meta" S="$WORK/lang-meta-stage"
  mkdir -p "$M/oracle" "$S/app" "$S/php"
  command -v npm >/dev/null || { echo "testimages: npm missing (run scripts/install-deps.sh)" >&2; exit 1; }
  echo "testimages: building the lang-meta image (npm install + mmdebstrap, ~2 min)"
  cp "$HERE/../src/catalog/lang/testdata/node/project/package.json" "$S/app/package.json"
  (cd "$S/app" && npm install --silent --no-audit --no-fund --lockfile-version 3 >/dev/null)
  cat > "$S/php/composer.json" <<'JSON'
{
  "name": "customs/lang-meta",
  "repositories": [
    {"type": "package", "package": {"name": "psr/log", "version": "1.1.4",
      "dist": {"type": "path", "url": "/usr/share/php/Psr/Log"}}},
    {"type": "package", "package": {"name": "symfony/console", "version": "v5.4.23",
      "dist": {"type": "path", "url": "/usr/share/php/Symfony/Component/Console"}}},
    {"packagist.org": false}
  ],
  "require": {"psr/log": "1.1.4", "symfony/console": "v5.4.23"}
}
JSON
  local include=python3-pip,python3-pip-whl,python3-setuptools-whl,python3-wheel-whl,python3-urllib3,python3-requests
  include+=,ruby,ruby-rack,php-cli,composer,php-psr-log,php-symfony-console
  "${MMDEBSTRAP[@]}" --include="$include" \
    --customize-hook="$snap $S/s1.tar ." \
    --customize-hook='chroot "$1" python3 -m pip install --quiet --break-system-packages --ignore-installed --no-index --no-deps /usr/share/python-wheels/*.whl' \
    --customize-hook="$snap $S/s2.tar ." \
    --customize-hook="cp -a $S/app \"\$1/app\" && mkdir -p \"\$1/srv\" && cp -a $S/php \"\$1/srv/php\"" \
    --customize-hook='chroot "$1" sh -c "cd /srv/php && COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME=/tmp/composer composer install --quiet --no-interaction --no-plugins --no-scripts && rm -rf /tmp/composer"' \
    --customize-hook="$snap $S/s3.tar ." \
    --customize-hook='chroot "$1" python3 -m pip uninstall --quiet --yes --break-system-packages wheel' \
    --customize-hook="cd \"\$1/app\" && npm uninstall --silent --no-audit --no-fund lodash" \
    --customize-hook='rm -rf "$1"/var/cache/apt/*.bin' \
    bookworm "$S/stage4" "deb $MIRROR bookworm main" >"$S/mmdebstrap.log" 2>&1 ||
    { tail -20 "$S/mmdebstrap.log" >&2; exit 1; }
  local i
  for i in 1 2 3; do mkdir -p "$S/stage$i" && tar -C "$S/stage$i" -xf "$S/s$i.tar" && rm -f "$S/s$i.tar"; done
  tar_of "$S/stage1" "$S/l1.tar"
  python3 "$HERE/layer_diff.py" "$S/stage1" "$S/stage2" "$S/l2.tar"
  python3 "$HERE/layer_diff.py" "$S/stage2" "$S/stage3" "$S/l3.tar"
  python3 "$HERE/layer_diff.py" "$S/stage3" "$S/stage4" "$S/l4.tar"
  oci_from_layers "$M/oci" 1 \
    "$S/l1.tar:ADD rootfs.tar / # bookworm minbase + python3-pip python3-urllib3 python3-requests ruby-rack composer" \
    "$S/l2.tar:RUN pip install --break-system-packages --ignore-installed --no-index /usr/share/python-wheels/*.whl" \
    "$S/l3.tar:COPY app /app && composer install" \
    "$S/l4.tar:RUN pip uninstall -y wheel && npm uninstall lodash"
  skopeo copy -q "oci:$M/oci:1" "docker-archive:$M/docker-archive.tar:test/lang-meta:1"
  mv "$S/stage4" "$M/rootfs"
  local R="$M/rootfs"
  # Oracles, from the real tools over the final tree.
  chroot "$R" python3 - > "$M/oracle/importlib.txt" <<'PY'
import importlib.metadata as m, os, subprocess
rows = set()
for d in m.distributions():
    path = str(d._path)
    meta = next((os.path.join(path, f) for f in ("METADATA", "PKG-INFO") if os.path.isfile(os.path.join(path, f))), path)
    owner = subprocess.run(["dpkg-query", "-S", meta], capture_output=True, text=True).stdout.split(":")[0] or "-"
    rows.add("%s %s %s %s" % (meta, d.metadata["Name"], d.version, owner))
print("\n".join(sorted(rows)))
PY
  # Every installed gemspec RubyGems would load, one row per file (Gem::Specification.each shows one of two copies).
  chroot "$R" ruby -e 'Gem::Specification.dirs.flat_map { |d| Dir[File.join(d, "{,default/}*.gemspec")] }.uniq.each { |f|
      s = Gem::Specification.load(f); owner = `dpkg-query -S #{f} 2>/dev/null`.split(":")[0] || "-"
      puts "#{f} #{s.name} #{s.version} #{owner}" }' | sort -u > "$M/oracle/rubygems.txt"
  cat > "$R/tmp/composer-oracle.php" <<'PHP'
<?php
$j = json_decode(stream_get_contents(STDIN), true);
foreach ($j["installed"] as $p) echo $p["name"], " ", $p["version"], "\n";
PHP
  chroot "$R" sh -c 'cd /srv/php && COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME=/tmp/composer composer show --format=json |
    php /tmp/composer-oracle.php' | sort > "$M/oracle/composer.txt"
  rm -rf "$R/tmp/composer-oracle.php" "$R/tmp/composer"
  (cd "$R/app" && npm ls --all --parseable --long) | sed "s#^$R##" > "$M/oracle/npm-ls.txt"
  for f in importlib rubygems composer npm-ls; do
    [ -s "$M/oracle/$f.txt" ] || { echo "testimages: empty oracle $f" >&2; exit 1; }
  done
  rm -rf "$S"
  rm -rf "$OUT/lang-meta"
  mv "$M" "$OUT/"
}

echo "testimages: building bookworm minbase + curl (mmdebstrap, ~1 min)"
# Snapshots are taken with tar --one-file-system inside the hooks: during hooks mmdebstrap has /proc and /sys mounted
# in the chroot, and those must never be copied.
snap='tar -C "$1" --one-file-system --numeric-owner --sort=name --exclude=./proc/* --exclude=./sys/* --exclude=./dev/* --exclude=./var/cache/apt/archives/*.deb --exclude=./var/lib/apt/lists/* --exclude=./var/cache/apt/*.bin -cf'
"${MMDEBSTRAP[@]}" \
  --customize-hook="$snap $WORK/s1.tar ." \
  --customize-hook='chroot "$1" apt-get install -y -q --no-install-recommends curl ca-certificates >/dev/null' \
  --customize-hook="$snap $WORK/s2.tar ." \
  --customize-hook='chroot "$1" apt-get purge -y -q --allow-remove-essential e2fsprogs >/dev/null' \
  --customize-hook='rm -rf "$1"/usr/share/doc/* "$1"/var/cache/apt/*.bin; mkdir -p "$1/etc/customs-demo"; echo old > "$1/etc/customs-demo/old.conf"' \
  bookworm "$WORK/stage3" "deb $MIRROR bookworm main" >"$WORK/mmdebstrap.log" 2>&1 ||
  { tail -20 "$WORK/mmdebstrap.log" >&2; exit 1; }
mkdir -p "$WORK/stage1" "$WORK/stage2"
tar -C "$WORK/stage1" -xf "$WORK/s1.tar"
tar -C "$WORK/stage2" -xf "$WORK/s2.tar"
rm -f "$WORK/s1.tar" "$WORK/s2.tar"

# Layer 4: replace /etc/customs-demo with an opaque whiteout (buildah/umoci never write one, so by hand).
mkdir -p "$WORK/l4/etc/customs-demo"
touch "$WORK/l4/etc/customs-demo/.wh..wh..opq"
echo new > "$WORK/l4/etc/customs-demo/new.conf"
tar -C "$WORK/l4" --numeric-owner -cf "$WORK/l4.tar" etc

tar_of "$WORK/stage1" "$WORK/l1.tar"
python3 "$HERE/layer_diff.py" "$WORK/stage1" "$WORK/stage2" "$WORK/l2.tar"
python3 "$HERE/layer_diff.py" "$WORK/stage2" "$WORK/stage3" "$WORK/l3.tar"

B="$WORK/bookworm"
mkdir -p "$B"
oci_from_layers "$B/oci" 1 \
  "$WORK/l1.tar:ADD rootfs.tar / # debian bookworm minbase" \
  "$WORK/l2.tar:RUN apt-get install -y --no-install-recommends curl ca-certificates" \
  "$WORK/l3.tar:RUN apt-get purge -y e2fsprogs && rm -rf /usr/share/doc/*" \
  "$WORK/l4.tar:COPY conf /etc/customs-demo"
skopeo copy -q "oci:$B/oci:1" "oci-archive:$B/oci-archive.tar:1"
skopeo copy -q "oci:$B/oci:1" "docker-archive:$B/docker-archive.tar:test/bookworm:1"
# The unpacked final tree, for `customs fs` and for dpkg-query as the reference.
mv "$WORK/stage3" "$B/rootfs"
rm -rf "$B/rootfs/etc/customs-demo"
mkdir -p "$B/rootfs/etc/customs-demo"
echo new > "$B/rootfs/etc/customs-demo/new.conf"
rm -rf "$WORK/stage1" "$WORK/stage2" "$WORK"/l*.tar "$WORK/l4"

echo "testimages: building the pinned bookworm image (older builds from bookworm-updates/bookworm-security)"
P="$WORK/pinned"
mkdir -p "$P"
PINS="curl=7.88.1-10+deb12u5,libcurl4=7.88.1-10+deb12u5,openssl=3.0.17-1~deb12u2,libssl3=3.0.17-1~deb12u2"
SUITES=("deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SECURITY_MIRROR bookworm-security main")
if "${MMDEBSTRAP[@]}" --include="$PINS" bookworm "$P/rootfs" "${SUITES[@]}" >"$WORK/pin.err" 2>&1; then
  echo "pinned: $PINS" > "$P/PINNED.txt"
else
  echo "testimages: the pinned builds are gone from the archive ($(tail -1 "$WORK/pin.err")); building without pins"
  rm -rf "$P/rootfs"
  "${MMDEBSTRAP[@]}" --include=curl,openssl bookworm "$P/rootfs" "deb $MIRROR bookworm main" >/dev/null 2>&1
  echo "pinned: none (fallback: bookworm main with curl and openssl)" > "$P/PINNED.txt"
fi
tar_of "$P/rootfs" "$WORK/p1.tar"
oci_from_layers "$P/oci" 1 "$WORK/p1.tar:ADD rootfs.tar / # bookworm with pinned older packages"
skopeo copy -q "oci:$P/oci:1" "docker-archive:$P/docker-archive.tar:test/pinned:1"
rm -f "$WORK/p1.tar"

echo "testimages: building the distroless-style layout"
D="$WORK/distroless"
mkdir -p "$D/rootfs"
# Only what a distroless base carries: a few packages' files, one status file per package in status.d.
python3 - "$B/rootfs" "$D/rootfs" <<'PY'
import os, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
keep = {"base-files", "libc6", "libssl3", "tzdata", "netbase", "ca-certificates", "zlib1g"}
status = open(os.path.join(src, "var/lib/dpkg/status")).read().split("\n\n")
os.makedirs(os.path.join(dst, "var/lib/dpkg/status.d"))
for stanza in status:
    name = next((l.split(": ", 1)[1] for l in stanza.splitlines() if l.startswith("Package: ")), None)
    if name not in keep:
        continue
    open(os.path.join(dst, "var/lib/dpkg/status.d", name), "w").write(stanza.strip() + "\n")
    for suffix in (".list", ":amd64.list"):
        listing = os.path.join(src, "var/lib/dpkg/info", name + suffix)
        if not os.path.exists(listing):
            continue
        for path in open(listing).read().split("\n"):
            s = os.path.join(src, path.lstrip("/"))
            if not path or not os.path.lexists(s):
                continue
            # Copy to the real location (merged-usr: /lib64/x is /usr/lib64/x); the top-level links come below.
            real = os.path.realpath(os.path.join(os.path.realpath(os.path.dirname(s)), os.path.basename(s)))
            if os.path.islink(s):
                real = os.path.join(os.path.realpath(os.path.dirname(s)), os.path.basename(s))
            rel = os.path.relpath(real, os.path.realpath(src))
            if rel.startswith(".."):
                continue
            d = os.path.join(dst, rel)
            if os.path.isdir(s) and not os.path.islink(s):
                os.makedirs(d, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(d), exist_ok=True)
            if not os.path.lexists(d):
                shutil.copy2(s, d, follow_symlinks=False)
for top in ("bin", "sbin", "lib", "lib64"):
    s = os.path.join(src, top)
    if os.path.islink(s) and not os.path.lexists(os.path.join(dst, top)):
        os.symlink(os.readlink(s), os.path.join(dst, top))
os.makedirs(os.path.join(dst, "etc"), exist_ok=True)
open(os.path.join(dst, "etc/os-release"), "w").write(
    'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\nVERSION_ID="12"\nVERSION="Debian GNU/Linux 12 (bookworm)"\n'
    'HOME_URL="https://github.com/GoogleContainerTools/distroless"\n')
PY
tar_of "$D/rootfs" "$WORK/d1.tar"
oci_from_layers "$D/oci" 1 "$WORK/d1.tar:COPY distroless rootfs"
rm -f "$WORK/d1.tar"

echo "testimages: building the audit images (root with attacker tools and a compiler; secrets in layers)"
# audit-root: everything the product brief warns about, as a real image from Debian packages: runs as root (no
# USER), a full Debian base, curl, netcat, nmap, an SSH server, gcc, a setuid binary of its own, and Go sources whose
# test data carries private keys (a Debian package's fixtures: public data, never a secret finding).
AR="$WORK/audit-root"
mkdir -p "$AR"
"${MMDEBSTRAP[@]}" --include=curl,netcat-openbsd,nmap,openssh-server,gcc,golang-golang-x-crypto-dev \
  --customize-hook='cp "$1/usr/bin/true" "$1/usr/local/bin/customs-setuid-helper"; chmod 4755 "$1/usr/local/bin/customs-setuid-helper"' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
  bookworm "$AR/rootfs" "deb $MIRROR bookworm main" >"$WORK/audit-root.log" 2>&1 ||
  { tail -20 "$WORK/audit-root.log" >&2; exit 1; }
tar_of "$AR/rootfs" "$WORK/ar1.tar"
IMAGE_USER="" oci_from_layers "$AR/oci" 1 "$WORK/ar1.tar:RUN apt-get install -y curl netcat-openbsd nmap openssh-server gcc"
rm -f "$WORK/ar1.tar"

# audit-secrets: the distroless-style base, then a layer that adds secrets (AWS's documented example key pair, a
# PEM key generated by openssl, a GitHub-format token) and look-alikes that are not secrets (a lockfile's integrity
# hashes, UUIDs, base64 image data), then a layer that deletes the private key (it still ships in layer 2).
AS="$WORK/audit-secrets"
mkdir -p "$AS/l2/app" "$AS/l2/root/.ssh" "$AS/l3/root/.ssh"
cat >"$AS/l2/app/config.env" <<'SECRETS'
# deployment settings
REGION=eu-west-1
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
SECRETS
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$AS/l2/root/.ssh/id_rsa" 2>/dev/null
chmod 600 "$AS/l2/root/.ssh/id_rsa"
printf 'ghp_%s\n' "$(python3 -c 'import random,string; r=random.Random(7); print("".join(r.choice(string.ascii_letters+string.digits) for _ in range(36)))')" \
  >"$AS/l2/app/.github_token"
cat >"$AS/l2/app/package-lock.json" <<'LOCK'
{
  "name": "app",
  "lockfileVersion": 3,
  "packages": {
    "node_modules/lodash": {
      "version": "4.17.21",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",
      "integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg=="
    }
  }
}
LOCK
for _ in 1 2 3 4 5; do python3 -c 'import uuid; print(uuid.uuid4())'; done >"$AS/l2/app/ids.txt"
python3 - "$AS/l2/app/logo.html" <<'PY'
import base64, struct, sys, zlib
# A real 16x16 PNG, as a data URI.
raw = b"".join(b"\x00" + bytes(sum(((x * 16, y * 16, 128) for x in range(16)), ())) for y in range(16))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "w").write('<img src="data:image/png;base64,%s">\n' % base64.b64encode(png).decode())
PY
touch "$AS/l3/root/.ssh/.wh.id_rsa"
tar -C "$AS/l2" --numeric-owner --sort=name -cf "$WORK/as2.tar" app root
tar -C "$AS/l3" --numeric-owner --sort=name -cf "$WORK/as3.tar" root
tar_of "$D/rootfs" "$WORK/as1.tar"
oci_from_layers "$AS/oci" 1 \
  "$WORK/as1.tar:COPY distroless rootfs" \
  "$WORK/as2.tar:COPY app /app # and, by mistake, the deploy key" \
  "$WORK/as3.tar:RUN rm /root/.ssh/id_rsa"
rm -rf "$AS/l2" "$AS/l3" "$WORK"/as*.tar

rm -rf "$OUT/bookworm" "$OUT/pinned" "$OUT/distroless" "$OUT/audit-root" "$OUT/audit-secrets"
mv "$B" "$P" "$D" "$AR" "$AS" "$OUT/"
# The lang-binary image (src/catalog/lang: java, go-binary, rust-binary), from the artifacts of
# scripts/lang-binary-artifacts.sh, in four layers over the final bookworm tree:
#   1. bookworm (curl)                                         "ADD rootfs"
#   2. liblog4j2-java + libcommons-lang3-java by dpkg: OS-owned jars in /usr/share/java
#   3. applications: the DynamoDB emulator's jars (log4j-core-2.8.jar without pom.properties), a war, a fat jar, Go
#      binaries of go1.16 to go1.21 (one without section headers), one with replacements, an auditable Rust binary,
#      and two files the next layer changes
#   4. /opt/tmp/commons-cli-1.2.jar deleted (whiteout) and /usr/local/bin/tool (turbo, go1.18) overwritten (esbuild
#      0.14.0, go1.17)
# oracle/: maven.tsv (pom.properties by Python's zipfile), golang/*.txt (go version -m per binary of the final tree),
# cargo.tsv (the crate list put into the Rust binary).
build_lang_binary() {
  local L="$WORK/lang-binary" A="$OUT/lang-binary/artifacts"
  echo "testimages: building the lang-binary image (npm and Debian artifacts)"
  bash "$HERE/lang-binary-artifacts.sh" "$A" >/dev/null
  mkdir -p "$L"
  cp -a "$OUT/bookworm/rootfs" "$L/s1"
  cp -a "$L/s1" "$L/s2"
  dpkg --root="$L/s2" --force-depends --force-not-root -i "$A"/deb/liblog4j2-java_*.deb "$A"/deb/libcommons-lang3-java_*.deb \
    >"$L/dpkg.log" 2>&1 || { tail -5 "$L/dpkg.log" >&2; exit 1; }
  cp -a "$L/s2" "$L/s3"
  local r3="$L/s3"
  mkdir -p "$r3/opt/app" "$r3/opt/buf/bin" "$r3/opt/tmp" "$r3/usr/local/bin"
  cp -a "$A/java/dynamodb" "$r3/opt/dynamodb"
  cp "$A/java/built/app.war" "$A/java/built/demo-app-0.0.1-SNAPSHOT.jar" "$r3/opt/app/"
  cp "$A/java/dynamodb/DynamoDBLocal_lib/commons-cli-1.2.jar" "$r3/opt/tmp/"
  cp "$A/go/esbuild-0.12.0" "$r3/usr/local/bin/esbuild"
  cp "$A/go/esbuild-0.19.12-nosections" "$r3/usr/local/bin/esbuild-new"
  cp "$A/go/replace-demo" "$r3/usr/local/bin/replace-demo"
  cp "$A/go/turbo-1.2.16" "$r3/usr/local/bin/tool"
  cp "$A/go/buf-1.28.1" "$r3/opt/buf/bin/buf"
  cp "$A/rust/rg-auditable" "$r3/usr/local/bin/rg"
  cp -a "$r3" "$L/s4"
  rm "$L/s4/opt/tmp/commons-cli-1.2.jar"
  cp "$A/go/esbuild-0.14.0" "$L/s4/usr/local/bin/tool"
  tar_of "$L/s1" "$L/l1.tar"
  python3 "$HERE/layer_diff.py" "$L/s1" "$L/s2" "$L/l2.tar"
  python3 "$HERE/layer_diff.py" "$L/s2" "$L/s3" "$L/l3.tar"
  python3 "$HERE/layer_diff.py" "$L/s3" "$L/s4" "$L/l4.tar"
  local out="$L/out"
  mkdir -p "$out/oracle/golang"
  oci_from_layers "$out/oci" 1 \
    "$L/l1.tar:ADD rootfs.tar / # debian bookworm with curl" \
    "$L/l2.tar:RUN apt-get install -y liblog4j2-java libcommons-lang3-java" \
    "$L/l3.tar:COPY apps /" \
    "$L/l4.tar:RUN rm /opt/tmp/commons-cli-1.2.jar && cp esbuild /usr/local/bin/tool"
  mv "$L/s4" "$out/rootfs"
  python3 "$HERE/../tests/lang/jar_oracle.py" "$out/rootfs" | sed "s|$out/rootfs||" > "$out/oracle/maven.tsv"
  local bin
  for bin in usr/local/bin/esbuild usr/local/bin/esbuild-new usr/local/bin/replace-demo usr/local/bin/tool opt/buf/bin/buf; do
    /usr/lib/go-1.19/bin/go version -m "$out/rootfs/$bin" | sed "s|$out/rootfs||" > "$out/oracle/golang/$(basename "$bin").txt"
  done
  cp "$A/../artifacts/oracle/rust-rg.tsv" "$out/oracle/cargo.tsv"
  rm -rf "$OUT/lang-binary/oci" "$OUT/lang-binary/rootfs" "$OUT/lang-binary/oracle"
  mv "$out/oci" "$out/rootfs" "$out/oracle" "$OUT/lang-binary/"
  rm -rf "$L"
}
build_lang_binary

# The demo image (scripts/demo.sh): the pinned image plus a Node application layer whose node_modules carry what
# issue 12 is about, all real npm packages: amplify-dynamodb-simulator@1.14.0, which ships log4j-core-2.8.jar (no
# pom.properties), esbuild-linux-64@0.14.0, a Go binary built with go1.17.2, and lodash@4.17.15.
build_demo() {
  local M="$WORK/demo" A="$OUT/lang-binary/artifacts/npm"
  echo "testimages: building the demo image (pinned + a node_modules tree with a jar and a Go binary)"
  mkdir -p "$M/app/app/node_modules" "$M/npm"
  cp -a "$A/amplify-dynamodb-simulator_1.14.0/package" "$M/app/app/node_modules/amplify-dynamodb-simulator"
  cp -a "$A/esbuild-linux-64_0.14.0/package" "$M/app/app/node_modules/esbuild-linux-64"
  (cd "$M/npm" && npm pack --silent lodash@4.17.15 >/dev/null && tar -xzf lodash-4.17.15.tgz)
  mv "$M/npm/package" "$M/app/app/node_modules/lodash"
  cat > "$M/app/app/package.json" <<'JSON'
{
  "name": "customs-demo-app",
  "version": "1.0.0",
  "private": true,
  "dependencies": {
    "amplify-dynamodb-simulator": "1.14.0",
    "esbuild-linux-64": "0.14.0",
    "lodash": "4.17.15"
  }
}
JSON
  tar_of "$M/app" "$M/app.tar"
  cp -a "$OUT/pinned/oci" "$M/oci"
  umoci raw add-layer --image "$M/oci:1" --history.created_by="COPY app /app # npm ci: node_modules with a jar and a Go binary" \
    "$M/app.tar"
  umoci gc --layout "$M/oci"
  mkdir -p "$M/out"
  mv "$M/oci" "$M/out/oci"
  skopeo copy -q "oci:$M/out/oci:1" "docker-archive:$M/out/docker-archive.tar:test/demo:1"
  rm -rf "$OUT/demo"
  mv "$M/out" "$OUT/demo"
  rm -rf "$M"
}
build_demo

build_lang_meta
echo "$STAMP" > "$OUT/.stamp"
echo "testimages: built in $OUT:"
du -sh "$OUT"/*/oci "$OUT"/*/*.tar 2>/dev/null
cat "$OUT/pinned/PINNED.txt"

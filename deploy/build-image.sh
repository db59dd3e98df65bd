#!/usr/bin/env bash
# build-image.sh [CUSTOMS_BINARY] [OUT_DIR]: customs' own image as an OCI layout (OUT_DIR/oci, tag "dev") built from
# Debian packages on a Debian 12 host, without a base image from a registry: the same root filesystem as
# deploy/Dockerfile's (deploy/make-rootfs.sh: the runtime libraries distroless-style, users root and nonroot), the
# binary stripped, one layer, user 65532. Then it runs the binary inside as that user, to prove nothing is missing.
#
#   deploy/build-image.sh build/release/cli/customs build/release/customs-image
#   skopeo copy oci:build/release/customs-image/oci:dev docker://registry.example/customs:dev
#
# Needs root, apt-get with package lists (apt-get update), umoci. Defaults: build/dev/cli/customs, build/dev/customs-image.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$HERE/../build/dev/cli/customs}
OUT=${2:-$HERE/../build/dev/customs-image}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
for tool in umoci apt-get dpkg-deb chroot; do
  command -v "$tool" >/dev/null || { echo "build-image: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "build-image: no customs binary at $BIN" >&2; exit 1; }
mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

sh "$HERE/make-rootfs.sh" "$WORK/rootfs" "$HERE/runtime-packages.txt"
install -D -s -m 0755 "$BIN" "$WORK/rootfs/usr/bin/customs"
mkdir -p "$WORK/rootfs/etc/customs"
chroot --userspec=65532:65532 "$WORK/rootfs" /usr/bin/customs --version
tar --sort=name --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -C "$WORK/rootfs" -cf "$WORK/layer.tar" .

rm -rf "$OUT/oci"
umoci init --layout "$OUT/oci"
umoci new --image "$OUT/oci:dev"
umoci config --image "$OUT/oci:dev" --os=linux --architecture=amd64 --no-history \
  --config.user=65532:65532 --config.workingdir=/home/nonroot \
  --config.entrypoint=/usr/bin/customs --config.cmd=server --config.cmd=--config --config.cmd=/etc/customs/server.yaml \
  --config.exposedports=8080/tcp --config.env=SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --config.label=org.opencontainers.image.title=customs
umoci raw add-layer --image "$OUT/oci:dev" --history.created_by="deploy/build-image.sh (deploy/make-rootfs.sh, customs)" \
  "$WORK/layer.tar"
umoci gc --layout "$OUT/oci"
echo "build-image: $OUT/oci:dev ($(du -sh "$OUT/oci" | cut -f1))"

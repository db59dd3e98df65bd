#!/bin/sh
# make-rootfs.sh ROOT PACKAGE-LIST: unpacks the listed Debian packages and their dependency closure into ROOT the way
# distroless images are made: files only (dpkg-deb -x; no maintainer scripts, no dpkg database), one control stanza
# per package in ROOT/var/lib/dpkg/status.d/ so scanners see every package, a CA bundle, and the users root and
# nonroot (65532). Packages that only serve maintainer scripts or interactive use (debconf, dpkg, tar, readline...)
# are left out: nothing in the image runs them. Needs apt-get (a Debian 12 system or build stage) with package lists.
set -eu
ROOT=$1
LIST=$2
EXCLUDE=" debconf cdebconf debconf-2.0 dpkg tar install-info readline-common libreadline8 libnewt0.52 libslang2 "
EXCLUDE="$EXCLUDE libtextwrap1 libdebian-installer4 libtinfo6 libmd0 libselinux1 libpcre2-8-0 "
PACKAGES=$(grep -v '^#' "$LIST" | tr '\n' ' ')
CLOSURE=""
for p in $(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
  --no-enhances $PACKAGES | grep '^[a-z0-9]' | sort -u); do
  case "$EXCLUDE" in *" $p "*) continue ;; esac
  CLOSURE="$CLOSURE $p"
done
DEBS=$(mktemp -d)
chown _apt "$DEBS" 2>/dev/null || true
(cd "$DEBS" && apt-get download $CLOSURE >/dev/null)
mkdir -p "$ROOT/var/lib/dpkg/status.d" "$ROOT/etc/ssl/certs" "$ROOT/home/nonroot" "$ROOT/tmp" "$ROOT/root"
for deb in "$DEBS"/*.deb; do
  name=$(dpkg-deb -f "$deb" Package)
  dpkg-deb -x "$deb" "$ROOT"
  { echo "Package: $name"; echo "Status: install ok installed"; dpkg-deb -f "$deb" | grep -v '^Package:'; } \
    > "$ROOT/var/lib/dpkg/status.d/$name"
done
rm -rf "$DEBS" "$ROOT/usr/share/doc" "$ROOT/usr/share/man" "$ROOT/usr/share/info" "$ROOT/usr/share/lintian"
# merged /usr, as Debian 12 has it (the dynamic loader is looked up as /lib64/ld-linux-x86-64.so.2)
for dir in bin sbin lib lib64; do
  if [ -d "$ROOT/$dir" ] && [ ! -L "$ROOT/$dir" ]; then
    mkdir -p "$ROOT/usr/$dir"
    cp -a "$ROOT/$dir/." "$ROOT/usr/$dir/"
    rm -rf "${ROOT:?}/$dir"
  fi
  [ -d "$ROOT/usr/$dir" ] && ln -sfn "usr/$dir" "$ROOT/$dir"
done
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' \
  > "$ROOT/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$ROOT/etc/group"
printf 'hosts: files dns\n' > "$ROOT/etc/nsswitch.conf"
chown 65532:65532 "$ROOT/home/nonroot"
chmod 1777 "$ROOT/tmp"
chmod 0700 "$ROOT/root"

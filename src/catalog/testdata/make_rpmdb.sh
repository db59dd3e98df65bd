#!/bin/sh
# Builds two tiny real rpm packages with Debian's rpmbuild and records them in real SQLite rpm databases (rpm 4.18,
# `--justdb`, nothing is installed on the host):
#   OUT/layer0/rpmdb.sqlite  customs-tiny 3:1.2.3-4.el9 (with a ModularityLabel)
#   OUT/layer1/rpmdb.sqlite  the same plus customs-other 1.2.3-4.el9
# Used by rpm_test.cpp for the modularity label, file lists and layer attribution with real data.
set -eu
out=$1
mkdir -p "$out/specs" "$out/layer0" "$out/layer1"
cat > "$out/specs/tiny.spec" <<'SPEC'
Name: customs-tiny
Epoch: 3
Version: 1.2.3
Release: 4.el9
Summary: tiny test package
License: MIT
BuildArch: noarch
ModularityLabel: nodejs:18:9020020230525130117:rhel9

%description
tiny

%install
mkdir -p %{buildroot}/usr/share/customs-tiny %{buildroot}/etc
echo hi > %{buildroot}/usr/share/customs-tiny/hello.txt
echo conf > %{buildroot}/etc/customs-tiny.conf

%files
/usr/share/customs-tiny/hello.txt
%config /etc/customs-tiny.conf
SPEC
sed -e 's/customs-tiny/customs-other/g' -e '/^ModularityLabel/d' -e '/^Epoch/d' \
  "$out/specs/tiny.spec" > "$out/specs/other.spec"
for spec in tiny other; do
  rpmbuild --define "_topdir $out/top" -bb "$out/specs/$spec.spec" >/dev/null 2>&1
done
rpm --dbpath "$out/layer0" --define '_db_backend sqlite' -i --justdb --nodeps --noscripts \
  "$out/top/RPMS/noarch/customs-tiny-1.2.3-4.el9.noarch.rpm" 2>/dev/null
cp "$out/layer0/rpmdb.sqlite" "$out/layer1/rpmdb.sqlite"
rpm --dbpath "$out/layer1" --define '_db_backend sqlite' -i --justdb --nodeps --noscripts \
  "$out/top/RPMS/noarch/customs-other-1.2.3-4.el9.noarch.rpm" 2>/dev/null

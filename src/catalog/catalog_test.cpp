#include <gtest/gtest.h>

#include "catalog/cataloger.h"
#include "catalog/test_util.h"

namespace customs::catalog {
namespace {

TEST(DefaultCatalogers, NamesAndPaths) {
  auto catalogers = DefaultCatalogers();
  ASSERT_EQ(catalogers.size(), 3u);
  EXPECT_EQ(catalogers[0]->name(), "dpkg");
  EXPECT_EQ(catalogers[1]->name(), "apk");
  EXPECT_EQ(catalogers[2]->name(), "rpm");
  EXPECT_TRUE(catalogers[0]->WantsContent("/var/lib/dpkg/status"));
  EXPECT_TRUE(catalogers[0]->WantsContent("/var/lib/dpkg/status.d/base-files"));
  EXPECT_TRUE(catalogers[0]->WantsContent("/var/lib/dpkg/info/libc6:amd64.list"));
  EXPECT_FALSE(catalogers[0]->WantsContent("/var/lib/dpkg/info/libc6:amd64.md5sums"));
  EXPECT_FALSE(catalogers[0]->WantsContent("/var/lib/dpkg/status-old"));
  EXPECT_TRUE(catalogers[1]->WantsContent("/lib/apk/db/installed"));
  EXPECT_TRUE(catalogers[2]->WantsContent("/var/lib/rpm/Packages"));
  EXPECT_TRUE(catalogers[2]->WantsContent("/usr/lib/sysimage/rpm/rpmdb.sqlite"));
  EXPECT_TRUE(catalogers[2]->WantsContent("/var/lib/rpm/Packages.db"));
  EXPECT_FALSE(catalogers[2]->WantsContent("/var/lib/rpm/Basenames"));
  EXPECT_TRUE(catalogers[2]->WantsHistory("/var/lib/rpm/rpmdb.sqlite"));
  EXPECT_TRUE(OsDetectionWants("/etc/os-release"));
  EXPECT_FALSE(OsDetectionWants("/etc/passwd"));
}

TEST(MakePurl, FollowsThePurlSpec) {
  Package deb;
  deb.type = PackageType::kDeb;
  deb.name = "bash";
  deb.version = "5.2.15-2+b13";
  deb.arch = "amd64";
  EXPECT_EQ(MakePurl(deb, OsInfo{"debian", "12", "bookworm", "", ""}),
            "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12");
  deb.name = "bsdutils";
  deb.version = "1:2.38.1-5+deb12u3";
  EXPECT_EQ(MakePurl(deb, OsInfo{"ubuntu", "22.04", "jammy", "", ""}),
            "pkg:deb/ubuntu/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=ubuntu-22.04");
  EXPECT_EQ(MakePurl(deb, OsInfo{}), "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64");

  Package rpm;
  rpm.type = PackageType::kRpm;
  rpm.name = "bind-license";
  rpm.epoch = "32";
  rpm.rpm_version = "9.9.4";
  rpm.rpm_release = "73.el7_6";
  rpm.version = "32:9.9.4-73.el7_6";
  rpm.arch = "noarch";
  EXPECT_EQ(MakePurl(rpm, OsInfo{"centos", "7", "", "", ""}),
            "pkg:rpm/centos/bind-license@9.9.4-73.el7_6?arch=noarch&distro=centos-7&epoch=32");
  rpm.epoch.clear();
  EXPECT_EQ(MakePurl(rpm, OsInfo{"rhel", "9", "", "", ""}),
            "pkg:rpm/redhat/bind-license@9.9.4-73.el7_6?arch=noarch&distro=rhel-9");

  Package apk;
  apk.type = PackageType::kApk;
  apk.name = "libstdc++";
  apk.version = "13.2.1_git20240309-r0";
  apk.arch = "x86_64";
  EXPECT_EQ(MakePurl(apk, OsInfo{"alpine", "3.20", "", "", ""}),
            "pkg:apk/alpine/libstdc%2B%2B@13.2.1_git20240309-r0?arch=x86_64&distro=alpine-3.20");
}

}  // namespace
}  // namespace customs::catalog

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <system_error>

#include "catalog/cataloger.h"
#include "catalog/test_util.h"

namespace customs::catalog {
namespace {

TEST(DefaultCatalogers, NamesAndPaths) {
  auto catalogers = DefaultCatalogers();
  ASSERT_GE(catalogers.size(), 3u);
  std::set<std::string_view> names;
  for (const auto& cataloger : catalogers) EXPECT_TRUE(names.insert(cataloger->name()).second) << cataloger->name();
  for (std::string_view language : {"python", "node", "ruby", "php", "dotnet", "cargo-lock"}) {
    EXPECT_TRUE(names.contains(language)) << language;
  }
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
  // The catalogers that read jars and executables in the walk, each with its own extractor.
  for (std::string_view name : {"java", "go-binary", "rust-binary"}) {
    auto it = std::find_if(catalogers.begin(), catalogers.end(), [&](const auto& c) { return c->name() == name; });
    ASSERT_NE(it, catalogers.end()) << name;
    ASSERT_NE((*it)->extractor(), nullptr) << name;
    EXPECT_EQ((*it)->extractor()->name(), name);
  }
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

TEST(MakePurl, LanguagePackagesFollowPurlTypes) {
  auto purl = [](PackageType type, std::string name, std::string version, bool group_unknown = false) {
    Package p;
    p.type = type;
    p.name = std::move(name);
    p.version = std::move(version);
    p.group_unknown = group_unknown;
    // The distro is no part of a language package's identity.
    return MakePurl(p, OsInfo{"debian", "12", "bookworm", "", ""});
  };
  EXPECT_EQ(purl(PackageType::kMaven, "org.apache.logging.log4j:log4j-core", "2.8"),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.8");
  EXPECT_EQ(purl(PackageType::kMaven, "log4j-core", "2.8", true), "pkg:maven/log4j-core@2.8");
  EXPECT_EQ(purl(PackageType::kNpm, "@babel/traverse", "7.22.0"), "pkg:npm/%40babel/traverse@7.22.0");
  EXPECT_EQ(purl(PackageType::kNpm, "lodash", "4.17.15"), "pkg:npm/lodash@4.17.15");
  EXPECT_EQ(purl(PackageType::kGolang, "github.com/gorilla/websocket", "v1.5.0"),
            "pkg:golang/github.com/gorilla/websocket@v1.5.0");
  EXPECT_EQ(purl(PackageType::kGolang, "stdlib", "1.19.5"), "pkg:golang/stdlib@1.19.5");
  EXPECT_EQ(purl(PackageType::kPypi, "Jinja2_Extra", "3.1.2"), "pkg:pypi/jinja2-extra@3.1.2");
  EXPECT_EQ(purl(PackageType::kComposer, "guzzlehttp/guzzle", "7.4.0"), "pkg:composer/guzzlehttp/guzzle@7.4.0");
  EXPECT_EQ(purl(PackageType::kGem, "rexml", "3.2.5"), "pkg:gem/rexml@3.2.5");
  EXPECT_EQ(purl(PackageType::kCargo, "time", "0.1.44"), "pkg:cargo/time@0.1.44");
  EXPECT_EQ(purl(PackageType::kNuget, "Newtonsoft.Json", "12.0.1"), "pkg:nuget/Newtonsoft.Json@12.0.1");
  EXPECT_EQ(purl(PackageType::kNpm, "weird name", "1.0.0+build"), "pkg:npm/weird%20name@1.0.0%2Bbuild");
}

// Loads the parts of a real root directory below `dirs` into a FileTree the way the image walker does: metadata for
// every entry, content only for the paths some cataloger or OS detection wants, symlinks kept as symlinks.
FileTree LoadDirectory(const std::filesystem::path& root, const std::vector<std::string>& dirs,
                       const std::vector<std::unique_ptr<Cataloger>>& catalogers) {
  FileTree tree;
  tree.layers().push_back(LayerInfo{0, "", "", "host root"});
  auto wants = [&](std::string_view path) {
    if (OsDetectionWants(path)) {
      return true;
    }
    for (const auto& cataloger : catalogers) {
      if (cataloger->WantsContent(path)) {
        return true;
      }
    }
    return false;
  };
  auto add = [&](const std::filesystem::path& path) {
    std::error_code error;
    auto status = std::filesystem::symlink_status(path, error);
    if (error) {
      return;
    }
    // Lexically: std::filesystem::relative would resolve the symlinks we want to keep.
    std::string image_path = NormalizePath(path.string().substr(root.string().size()));
    FileNode node;
    if (std::filesystem::is_symlink(status)) {
      node.type = FileType::kSymlink;
      node.link_target = std::filesystem::read_symlink(path, error).string();
    } else if (std::filesystem::is_directory(status)) {
      node.type = FileType::kDirectory;
    } else if (std::filesystem::is_regular_file(status)) {
      node.type = FileType::kRegular;
      if (wants(image_path)) {
        node.content = std::make_shared<const std::string>(testing::Slurp(path));
      }
    } else {
      node.type = FileType::kOther;
    }
    tree.Put(image_path, std::move(node));
  };
  for (const std::string& dir : dirs) {
    std::error_code error;
    if (!std::filesystem::exists(root / dir, error)) {
      continue;
    }
    add(root / dir);
    for (std::filesystem::recursive_directory_iterator it(root / dir, error), end; !error && it != end;
         it.increment(error)) {
      add(it->path());
    }
  }
  return tree;
}

// The host (Debian 12) as a root filesystem directory: OS detection through the /etc/os-release symlink, and every
// default cataloger over the real /var/lib/dpkg (and /var/lib/rpm, /lib/apk when present) against the real tools.
TEST(HostRoot, DetectionAndCatalogersAgreeWithTheRealTools) {
  if (testing::Slurp("/etc/os-release").find("ID=debian") == std::string::npos) {
    GTEST_SKIP() << "host is not Debian";
  }
  auto catalogers = DefaultCatalogers();
  FileTree tree = LoadDirectory(
      "/", {"etc", "usr/lib/os-release", "var/lib/dpkg", "var/lib/rpm", "lib/apk", "usr/lib/sysimage/rpm"}, catalogers);
  ASSERT_NE(tree.Find("/etc/os-release"), nullptr);
  EXPECT_EQ(tree.Find("/etc/os-release")->type, FileType::kSymlink);
  DiagnosticsCollector diagnostics;
  OsInfo os = DetectOs(tree, diagnostics);
  EXPECT_EQ(os.family, "debian");
  EXPECT_EQ(os.version, "12");
  EXPECT_EQ(os.codename, "bookworm");
  std::set<std::string> dpkg_query;
  int exit_code = 0;
  std::istringstream lines(testing::Run(
      "dpkg-query -W -f='${db:Status-Status} ${Package} ${Version} ${Architecture}\\n' | sed -n 's/^installed //p'",
      &exit_code));
  ASSERT_EQ(exit_code, 0);
  std::string line;
  while (std::getline(lines, line)) {
    dpkg_query.insert(line);
  }
  std::set<std::string> rpm_query;
  if (std::system("command -v rpm >/dev/null") == 0) {
    std::istringstream rpm_lines(testing::Run("rpm -qa --qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\\n' 2>/dev/null"));
    while (std::getline(rpm_lines, line)) {
      rpm_query.insert(line);
    }
  }
  std::set<std::string> dpkg_found;
  std::set<std::string> rpm_found;
  for (const auto& cataloger : catalogers) {
    for (const Package& package : cataloger->Catalog(tree, os, diagnostics)) {
      EXPECT_EQ(package.layer.index, 0);
      EXPECT_EQ(package.layer.created_by, "host root");
      if (package.type == PackageType::kDeb) {
        dpkg_found.insert(package.name + " " + package.version + " " + package.arch);
        std::string encoded_name;
        for (char c : package.name) {
          encoded_name += c == '+' ? std::string("%2B") : std::string(1, c);
        }
        EXPECT_TRUE(package.purl.starts_with("pkg:deb/debian/" + encoded_name + "@")) << package.purl;
        EXPECT_TRUE(package.purl.ends_with("distro=debian-12")) << package.purl;
      } else if (package.type == PackageType::kRpm) {
        rpm_found.insert(package.name + " " + package.rpm_version + "-" + package.rpm_release + " " + package.arch);
      } else {
        ADD_FAILURE() << "unexpected apk package on a Debian host: " << package.name;
      }
    }
  }
  EXPECT_EQ(dpkg_found, dpkg_query);
  EXPECT_GT(dpkg_found.size(), 50u);
  EXPECT_EQ(rpm_found, rpm_query);
  for (const Diagnostic& d : diagnostics.Take()) {
    EXPECT_NE(d.level, DiagnosticLevel::kWarning) << d.subject << ": " << d.message;
  }
}

}  // namespace
}  // namespace customs::catalog

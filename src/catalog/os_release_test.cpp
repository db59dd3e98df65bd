#include "catalog/os_release.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "catalog/cataloger.h"
#include "catalog/test_util.h"

namespace customs::catalog {
namespace {

using testing::SharedPkgdb;
using testing::Slurp;

OsInfo Detect(const std::map<std::string, std::string>& files) {
  FileTree tree = testing::TreeOf(files);
  NullDiagnostics diagnostics;
  return DetectOs(tree, diagnostics);
}

// claircore's os-release samples carry the expected key/value parse in their "Parsed" member.
TEST(ParseOsRelease, MatchesClaircoreSamples) {
  for (const std::filesystem::path& root : testing::PkgdbRoots()) {
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(root / "claircore/osrelease/testdata")) {
      SCOPED_TRACE(entry.path().filename().string());
      std::string archive = Slurp(entry.path());
      std::string parsed = testing::TxtarMember(archive, "Parsed");
      if (parsed.empty()) {
        continue;
      }
      auto want = nlohmann::json::parse(parsed);
      auto got = ParseOsRelease(testing::TxtarMember(archive, "os-release"));
      nlohmann::json got_json = nlohmann::json::object();
      for (const auto& [key, value] : got) {
        got_json[key] = value;
      }
      EXPECT_EQ(got_json, want);
      ++checked;
    }
    EXPECT_GE(checked, root == SharedPkgdb() ? 8 : 2);
  }
  CUSTOMS_SKIP_IF_ONLY_VENDORED_PKGDB();
}

TEST(DetectOs, AlpineReleasesMatchClaircoreWant) {
  auto dir = SharedPkgdb() / "claircore/alpine/testdata";
  if (!std::filesystem::exists(dir)) {
    GTEST_SKIP() << "shared fixtures absent: " << dir;
  }
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(entry.path().filename().string());
    auto want = nlohmann::json::parse(Slurp(entry.path() / "want"));
    OsInfo os = Detect({{"/etc/os-release", Slurp(entry.path() / "etc/os-release")}});
    EXPECT_EQ(os.family, "alpine");
    EXPECT_EQ(os.version, want[0]["version"].get<std::string>());
    EXPECT_EQ(os.pretty_name, want[0]["pretty_name"].get<std::string>());
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

TEST(DetectOs, DebianReleasesAndDistroless) {
  auto root = SharedPkgdb() / "claircore/debian/testdata";
  if (!std::filesystem::exists(root)) {
    GTEST_SKIP() << "shared fixtures absent: " << root;
  }
  for (const char* kind : {"dist", "distroless_dist"}) {
    for (const auto& entry : std::filesystem::directory_iterator(root / kind)) {
      SCOPED_TRACE(entry.path().string());
      OsInfo os = Detect({{"/etc/os-release", Slurp(entry.path() / "etc/os-release")}});
      EXPECT_EQ(os.family, "debian");
      EXPECT_EQ(os.version, entry.path().filename().string());
      const char* codenames[] = {"",       "",       "",        "",       "",         "",        "",
                                 "wheezy", "jessie", "stretch", "buster", "bullseye", "bookworm"};
      EXPECT_EQ(os.codename, codenames[std::stoi(entry.path().filename().string())]);
      EXPECT_EQ(os.variant, std::string(kind) == "distroless_dist" ? "distroless" : "");
    }
  }
}

TEST(DetectOs, HostIsDebian12) {
  std::string os_release = Slurp("/etc/os-release");
  if (os_release.find("ID=debian") == std::string::npos) {
    GTEST_SKIP() << "host is not Debian";
  }
  OsInfo os = Detect({{"/etc/os-release", os_release}, {"/etc/debian_version", Slurp("/etc/debian_version")}});
  EXPECT_EQ(os.family, "debian");
  EXPECT_EQ(os.version, "12");
  EXPECT_EQ(os.codename, "bookworm");
}

TEST(DetectOs, UbuntuRhelFallbacksAndSid) {
  OsInfo ubuntu = Detect({{"/etc/os-release",
                           "NAME=\"Ubuntu\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nID=ubuntu\nID_LIKE=debian\n"
                           "VERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\nUBUNTU_CODENAME=jammy\n"}});
  EXPECT_EQ(ubuntu.family, "ubuntu");
  EXPECT_EQ(ubuntu.version, "22.04");
  EXPECT_EQ(ubuntu.codename, "jammy");

  OsInfo rhel = Detect(
      {{"/etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.3\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.3 (Plow)\"\n"}});
  EXPECT_EQ(rhel.family, "rhel");
  EXPECT_EQ(rhel.version, "9");

  OsInfo centos = Detect({{"/etc/centos-release", "CentOS Linux release 7.9.2009 (Core)\n"}});
  EXPECT_EQ(centos.family, "centos");
  EXPECT_EQ(centos.version, "7");
  OsInfo redhat = Detect({{"/etc/redhat-release", "Red Hat Enterprise Linux Server release 6.10 (Santiago)\n"}});
  EXPECT_EQ(redhat.family, "rhel");
  EXPECT_EQ(redhat.version, "6");
  OsInfo alpine = Detect({{"/etc/alpine-release", "3.20.3\n"}});
  EXPECT_EQ(alpine.family, "alpine");
  EXPECT_EQ(alpine.version, "3.20");
  OsInfo sles =
      Detect({{"/etc/SuSE-release", "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 3\n"}});
  EXPECT_EQ(sles.family, "sles");
  EXPECT_EQ(sles.version, "12.3");
  OsInfo lsb = Detect({{"/etc/lsb-release", "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=18.04\nDISTRIB_CODENAME=bionic\n"}});
  EXPECT_EQ(lsb.family, "ubuntu");
  EXPECT_EQ(lsb.version, "18.04");
  EXPECT_EQ(lsb.codename, "bionic");

  // Debian testing/unstable: no VERSION_ID; debian_version names the codename.
  OsInfo sid = Detect({{"/etc/os-release",
                        "PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nNAME=\"Debian GNU/Linux\"\n"
                        "VERSION_CODENAME=trixie\nID=debian\n"},
                       {"/etc/debian_version", "trixie/sid\n"}});
  EXPECT_EQ(sid.family, "debian");
  EXPECT_EQ(sid.codename, "trixie");
  EXPECT_EQ(sid.version, "13");
  OsInfo old = Detect({{"/etc/debian_version", "9.13\n"}});
  EXPECT_EQ(old.family, "debian");
  EXPECT_EQ(old.version, "9");
  EXPECT_EQ(old.codename, "stretch");

  OsInfo alpine_no_version =
      Detect({{"/etc/os-release", "ID=alpine\nNAME=\"Alpine Linux\"\n"}, {"/etc/alpine-release", "3.19.1\n"}});
  EXPECT_EQ(alpine_no_version.version, "3.19");
  OsInfo centos_no_version =
      Detect({{"/etc/os-release", "ID=\"centos\"\n"}, {"/etc/centos-release", "CentOS Stream release 9\n"}});
  EXPECT_EQ(centos_no_version.family, "centos");
  EXPECT_EQ(centos_no_version.version, "9");

  OsInfo none = Detect({{"/etc/hostname", "x\n"}});
  EXPECT_FALSE(none.detected());
}

// /etc/os-release is usually a symlink to ../usr/lib/os-release.
TEST(DetectOs, FollowsTheOsReleaseSymlink) {
  FileTree tree =
      testing::TreeOf({{"/usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"}});
  FileNode link;
  link.type = FileType::kSymlink;
  link.link_target = "../usr/lib/os-release";
  tree.Put("/etc/os-release", link);
  NullDiagnostics diagnostics;
  OsInfo os = DetectOs(tree, diagnostics);
  EXPECT_EQ(os.family, "debian");
  EXPECT_EQ(os.version, "12");
}

}  // namespace
}  // namespace customs::catalog

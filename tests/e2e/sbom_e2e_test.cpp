// `customs sbom` end to end on real images built from the Debian archive by scripts/testimages.sh, with dpkg-query
// as the reference, and on hostile images built by make_hostile_images.py.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "e2e_util.h"

namespace customs::e2e {
namespace {

using nlohmann::json;

// Every run gets a fresh analysis cache: these tests exercise reading, and must never touch the user's cache.
std::string FreshCache() {
  static int counter = 0;
  return (std::filesystem::temp_directory_path() /
          ("customs-e2e-cache-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
      .string();
}

json SbomJson(const std::string& args) {
  std::string cache = FreshCache();
  CommandResult result = RunCommand(CustomsBinary() + " sbom --format json --cache-dir " + Quote(cache) + " " + args);
  std::filesystem::remove_all(cache);
  EXPECT_EQ(result.exit_code, 0) << args << "\n" << result.err;
  json doc = json::parse(result.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << result.out.substr(0, 500);
  return doc;
}

// "name version arch source_name source_version" for every deb package.
std::set<std::string> DebLines(const json& sbom) {
  std::set<std::string> out;
  for (const auto& p : sbom["packages"]) {
    if (p["type"] != "deb") continue;
    out.insert(p["name"].get<std::string>() + " " + p["version"].get<std::string>() + " " +
               p["arch"].get<std::string>() + " " + p["source_name"].get<std::string>() + " " +
               p["source_version"].get<std::string>());
  }
  return out;
}

std::set<std::string> DpkgQuery(const std::string& admindir) {
  CommandResult result =
      RunCommand("dpkg-query --admindir=" + Quote(admindir) +
                 " -W -f='${Package} ${Version} ${Architecture} ${source:Package} ${source:Version}\\n'");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::set<std::string> out;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.insert(line);
  }
  return out;
}

const json* FindPackage(const json& sbom, const std::string& name) {
  for (const auto& p : sbom["packages"]) {
    if (p["name"] == name) return &p;
  }
  return nullptr;
}

TEST(SbomE2eTest, BookwormMatchesDpkgQueryInEveryFormat) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  const std::string dir = TestImagesDir() + "/bookworm";
  std::set<std::string> reference = DpkgQuery(dir + "/rootfs/var/lib/dpkg");
  ASSERT_GT(reference.size(), 80u);
  json oci = SbomJson(Quote(dir + "/oci"));
  EXPECT_EQ(DebLines(oci), reference) << "OCI layout inventory differs from dpkg-query";
  EXPECT_EQ(oci["os"]["family"], "debian");
  EXPECT_EQ(oci["os"]["version"], "12");
  EXPECT_EQ(oci["os"]["codename"], "bookworm");
  for (const char* other : {"/oci-archive.tar", "/docker-archive.tar"}) {
    json doc = SbomJson(Quote(dir + other));
    EXPECT_EQ(doc["packages"], oci["packages"]) << other << " differs from the OCI layout";
    EXPECT_EQ(doc["os"], oci["os"]);
  }
  json rootfs = SbomJson("--rootfs " + Quote(dir + "/rootfs"));
  EXPECT_EQ(DebLines(rootfs), reference) << "root filesystem inventory differs from dpkg-query";
}

TEST(SbomE2eTest, PackagesReportTheLayerThatIntroducedThem) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  json oci = SbomJson(Quote(TestImagesDir() + "/bookworm/oci"));
  const json* curl = FindPackage(oci, "curl");
  ASSERT_NE(curl, nullptr);
  EXPECT_NE((*curl)["layer"]["created_by"].get<std::string>().find("apt-get install"), std::string::npos)
      << curl->dump();
  const json* bash = FindPackage(oci, "bash");
  ASSERT_NE(bash, nullptr);
  EXPECT_NE((*bash)["layer"]["created_by"].get<std::string>().find("minbase"), std::string::npos) << bash->dump();
  EXPECT_NE((*curl)["layer"]["digest"], (*bash)["layer"]["digest"]);
  // e2fsprogs was purged in layer 3: gone from the inventory.
  EXPECT_EQ(FindPackage(oci, "e2fsprogs"), nullptr);
}

TEST(SbomE2eTest, BinNmuSourceVersionsAndPurls) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  json oci = SbomJson(Quote(TestImagesDir() + "/bookworm/oci"));
  int differing_source = 0;
  for (const auto& p : oci["packages"]) {
    if (p["source_name"] != p["name"]) ++differing_source;
    std::string purl = p["purl"];
    EXPECT_TRUE(purl.starts_with("pkg:deb/debian/")) << purl;
    EXPECT_NE(purl.find("?arch=" + p["arch"].get<std::string>()), std::string::npos) << purl;
    EXPECT_NE(purl.find("distro=debian-12"), std::string::npos) << purl;
  }
  EXPECT_GT(differing_source, 20) << "most Debian binaries come from a differently named source package";
}

TEST(SbomE2eTest, PinnedImageMatchesDpkgQuery) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  const std::string dir = TestImagesDir() + "/pinned";
  std::set<std::string> reference = DpkgQuery(dir + "/rootfs/var/lib/dpkg");
  EXPECT_EQ(DebLines(SbomJson(Quote(dir + "/oci"))), reference);
  EXPECT_EQ(DebLines(SbomJson(Quote(dir + "/docker-archive.tar"))), reference);
}

TEST(SbomE2eTest, DistrolessStatusDMatchesDpkgQuery) {
  CUSTOMS_REQUIRE_TESTIMAGES();
  const std::string dir = TestImagesDir() + "/distroless";
  // dpkg-query reads only a status file: concatenate status.d into a private admin directory.
  auto admin = std::filesystem::temp_directory_path() / ("customs-distroless-" + std::to_string(::getpid()));
  std::filesystem::create_directories(admin / "info");
  std::string status;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/rootfs/var/lib/dpkg/status.d")) {
    status += ReadAll(entry.path()) + "\n";
  }
  std::ofstream(admin / "status") << status;
  std::set<std::string> reference = DpkgQuery(admin.string());
  std::filesystem::remove_all(admin);
  ASSERT_GE(reference.size(), 5u);
  json doc = SbomJson(Quote(dir + "/oci"));
  EXPECT_EQ(DebLines(doc), reference);
}

class HostileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::temp_directory_path() / ("customs-hostile-" + std::to_string(::getpid())));
    CommandResult made = RunCommand(
        "python3 " + Quote(std::string(CUSTOMS_SOURCE_DIR) + "/tests/e2e/make_hostile_images.py") + " " + Quote(*dir_));
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static CommandResult Sbom(const std::string& name) {
    return RunCommand(CustomsBinary() + " sbom --format json --no-cache " + Quote(*dir_ + "/" + name));
  }
  static std::string* dir_;
};
std::string* HostileTest::dir_ = nullptr;

void ExpectCleanFailure(const CommandResult& result, const std::string& needle) {
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
  // One line: a user sees the reason, not a dump.
  EXPECT_LE(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_TRUE(result.out.empty()) << "no partial report on failure";
}

TEST_F(HostileTest, GoodControlImageWorks) {
  CommandResult result = Sbom("good");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\"bash\""), std::string::npos);
}

TEST_F(HostileTest, DigestMismatch) {
  ExpectCleanFailure(Sbom("digest-mismatch"), "digest mismatch");
}
TEST_F(HostileTest, CorruptGzip) {
  ExpectCleanFailure(Sbom("corrupt-gzip"), "gzip");
}
TEST_F(HostileTest, PathTraversal) {
  ExpectCleanFailure(Sbom("path-traversal"), "path traversal");
  EXPECT_FALSE(std::filesystem::exists("/tmp/customs-escaped"));
}
TEST_F(HostileTest, MissingBlob) {
  ExpectCleanFailure(Sbom("missing-blob"), "missing layer blob");
}
TEST_F(HostileTest, TruncatedArchive) {
  ExpectCleanFailure(Sbom("truncated.tar"), "truncated");
}
TEST_F(HostileTest, Garbage) {
  ExpectCleanFailure(Sbom("garbage.bin"), "not a docker-archive");
}

// /etc/os-release (absolute) and /usr/lib/os-release (through "../") point out of the image at a host file that is
// a valid os-release with ID=customs-host-leak. Followed on the host, the report would name that OS; resolved inside
// the image root, the targets do not exist: the OS stays undetected and each link is named in a diagnostic.
TEST_F(HostileTest, EscapingSymlinkToAHostFileStaysInTheImage) {
  const std::string host_file = *dir_ + "/host-os-release";
  // Control: the host file is what it claims, so reading it would show.
  auto control = std::filesystem::path(*dir_) / "host-file-as-rootfs";
  std::filesystem::create_directories(control / "etc");
  std::filesystem::copy_file(host_file, control / "etc/os-release");
  CommandResult leaked = RunCommand(CustomsBinary() + " sbom --format json --no-cache --rootfs " + Quote(control));
  ASSERT_EQ(leaked.exit_code, 0) << leaked.err;
  EXPECT_EQ(json::parse(leaked.out)["os"]["family"], "customs-host-leak") << leaked.out;

  // The same links as a root filesystem directory, where they are real symlinks that the host would follow.
  auto rootfs = std::filesystem::path(*dir_) / "escaping-symlink-rootfs";
  std::filesystem::create_directories(rootfs / "etc");
  std::filesystem::create_directories(rootfs / "usr/lib");
  std::filesystem::create_directories(rootfs / "var/lib/dpkg");
  std::filesystem::create_symlink(host_file, rootfs / "etc/os-release");
  std::filesystem::create_symlink("../../../../../../../.." + host_file, rootfs / "usr/lib/os-release");
  std::ofstream(rootfs / "var/lib/dpkg/status")
      << "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n\n";

  for (const std::string& args : {Quote(*dir_ + "/shadow-symlink"), "--rootfs " + Quote(rootfs)}) {
    SCOPED_TRACE(args);
    CommandResult result = RunCommand(CustomsBinary() + " sbom --format json --no-cache " + args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    json doc = json::parse(result.out);
    EXPECT_NE(doc["os"]["family"], "customs-host-leak") << doc["os"].dump();
    EXPECT_EQ(result.out.find("customs-host-leak"), std::string::npos) << "the host file was read: " << result.out;
    EXPECT_EQ(result.out.find("99.7"), std::string::npos) << result.out;
    EXPECT_EQ(doc["packages"].size(), 1u) << "the image's own inventory is still reported";
    // Both links are reported as pointing at a file the image does not have (resolved inside the image root).
    for (const char* link : {"/etc/os-release", "/usr/lib/os-release"}) {
      bool named = false;
      for (const auto& d : doc["diagnostics"]) {
        named |= d.value("subject", "") == link &&
                 d.value("message", "").find("which the image does not have") != std::string::npos &&
                 d.value("message", "").find(host_file) != std::string::npos;
      }
      EXPECT_TRUE(named) << link << " not named in " << doc["diagnostics"].dump();
    }
  }
}

TEST_F(HostileTest, SymlinkLoopIsADiagnostic) {
  CommandResult result = Sbom("symlink-loop");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json doc = json::parse(result.out);
  EXPECT_NE(doc["diagnostics"].dump().find("symbolic links"), std::string::npos) << doc["diagnostics"].dump();
}

TEST_F(HostileTest, CorruptDatabaseInOneLayerIsADiagnosticNotACrash) {
  CommandResult result = Sbom("corrupt-rpmdb");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json doc = json::parse(result.out);
  EXPECT_NE(doc["diagnostics"].dump().find("/var/lib/rpm/Packages"), std::string::npos) << doc["diagnostics"].dump();
  ASSERT_EQ(doc["packages"].size(), 1u) << "the dpkg inventory is still reported";
  EXPECT_EQ(doc["packages"][0]["name"], "bash");
}

TEST_F(HostileTest, TenGigabyteSparseFileIsSkipped) {
  CommandResult result = Sbom("sparse-10g");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json doc = json::parse(result.out);
  EXPECT_NE(doc["diagnostics"].dump().find("limit"), std::string::npos) << doc["diagnostics"].dump();
}

}  // namespace
}  // namespace customs::e2e

// The package inventory model shared by every cataloger, the matcher and the reports.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_tree.h"

namespace customs::catalog {

// OS packages (deb, apk, rpm) come from the distro's package database; the others are application (language)
// dependencies found in jars, binaries, lockfiles and metadata directories.
enum class PackageType { kDeb, kApk, kRpm, kMaven, kNpm, kPypi, kGolang, kCargo, kGem, kComposer, kNuget };

// "deb", "apk", "rpm", "maven", "npm", "pypi", "golang", "cargo", "gem", "composer", "nuget": the `type` field of the
// JSON schema and the purl type (https://github.com/package-url/purl-spec/blob/master/PURL-TYPES.rst).
const char* PackageTypeName(PackageType type);
// The inverse of PackageTypeName; nullopt for anything else.
std::optional<PackageType> ParsePackageTypeName(std::string_view name);
bool IsOsPackage(PackageType type);
// The OSV ecosystem of a language package type ("Maven", "npm", "PyPI", "Go", "crates.io", "RubyGems", "Packagist",
// "NuGet"); empty for OS package types (their ecosystem depends on the distro release).
std::string_view OsvEcosystem(PackageType type);

// How sure a cataloger is of a language package's identity.
enum class Confidence { kHigh, kMedium, kLow };
const char* ConfidenceName(Confidence confidence);  // "high", "medium", "low"

struct Package {
  PackageType type = PackageType::kDeb;
  std::string name;
  // The full version as the package manager prints it: dpkg "1:2.36-9+deb12u7", apk "1.2.3-r0",
  // rpm "[epoch:]version-release" (epoch only when set).
  std::string version;
  std::string arch;
  // The source package (dpkg Source:, apk origin o:, rpm SOURCERPM name) and its version. Equal to name/version
  // when the database names no separate source.
  std::string source_name;
  std::string source_version;
  // rpm only: the parts, and the modularity label.
  std::string epoch;  // empty when none
  std::string rpm_version;
  std::string rpm_release;
  std::string modularity_label;
  std::uint64_t installed_size = 0;  // bytes
  std::string status;                // dpkg Status as read, for diagnostics
  std::vector<std::string> files;    // absolute paths the package owns
  std::string purl;
  LayerInfo layer;      // the layer that introduced this version (index -1 when unknown)
  std::string db_path;  // the database file it was read from

  // Language packages only.
  //   name: as the ecosystem spells it: Maven "groupId:artifactId" (the bare artifactId when the groupId is unknown,
  //   see `group_unknown`), npm "@scope/name" or "name", Go the module path, PyPI the project name as written (matching
  //   normalises per PEP 503), Composer "vendor/package", NuGet and gems and crates their id.
  //   version: as written ("2.14.1", "v1.2.3" for Go modules, "1.19.5" for the Go toolchain module "stdlib").
  //
  // Where it was found: the location chain of nested archives, outermost first, joined with "!"
  // ("/app/app.war!/WEB-INF/lib/x.jar!/META-INF/maven/g/a/pom.properties"), or the file path.
  std::string location;
  // What named it: "pom.properties", "MANIFEST.MF", "file name", "go buildinfo", "package.json", "package-lock.json",
  // "METADATA", "cargo-auditable", "Cargo.lock", ...
  std::string evidence;
  Confidence confidence = Confidence::kHigh;
  // Maven: the groupId could not be read (a jar without pom.properties); the matcher may resolve `name` (the
  // artifactId) when the advisory index knows exactly one package with that artifactId.
  bool group_unknown = false;
  // The package may be listed but must never be matched: a Go main module at "(devel)", a crate from a git or path
  // source, a dependency whose version is not a version ("2.x"). `unmatchable_reason` says why.
  bool unmatchable = false;
  std::string unmatchable_reason;
  // Set when an OS package owns the file(s) this package was found in ("deb:python3-urllib3"): the distro's
  // advisories judge it, with its backported patches, so it is not matched against the language ecosystem by default.
  std::string owner;
  // `files` (above) holds, for language packages, the files that make up the package on disk when the cataloger
  // knows them (the jar, the binary, the dist-info RECORD entries); OS ownership and usage read them.
};

struct OsInfo {
  std::string family;    // "debian", "ubuntu", "alpine", "rhel", "centos", "fedora", "sles", "distroless"...
  std::string version;   // "12", "3.20", "22.04", "9"
  std::string codename;  // "bookworm", "jammy"; empty when the distro has none
  std::string pretty_name;
  // A packaging of the base distro that changes how its packages are stored, not which advisories apply:
  // "distroless" for Google's distroless images (family stays "debian"). Empty otherwise.
  std::string variant;
  bool detected() const { return !family.empty(); }
};

}  // namespace customs::catalog

// The package inventory model shared by every cataloger, the matcher and the reports.
#pragma once

#include <string>
#include <vector>

#include "core/file_tree.h"

namespace customs::catalog {

enum class PackageType { kDeb, kApk, kRpm };

// "deb", "apk", "rpm": the `type` field of the JSON schema and the purl type.
const char* PackageTypeName(PackageType type);

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

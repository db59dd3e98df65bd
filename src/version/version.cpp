// Scheme dispatch. Comparators not yet implemented answer kUnsupported (never a silent "equal").
#include "version/version.h"

#include <cctype>
#include <string>

namespace customs::version {

int CompareDpkgUnchecked(std::string_view a, std::string_view b);
bool ValidDpkgVersion(std::string_view v);

std::optional<Scheme> ParseSchemeName(std::string_view name) {
  if (name == "deb" || name == "dpkg") return Scheme::kDeb;
  if (name == "rpm") return Scheme::kRpm;
  if (name == "apk") return Scheme::kApk;
  if (name == "semver") return Scheme::kSemver;
  if (name == "go") return Scheme::kGo;
  if (name == "pep440") return Scheme::kPep440;
  if (name == "maven") return Scheme::kMaven;
  if (name == "gem") return Scheme::kGem;
  return std::nullopt;
}

const char* SchemeName(Scheme scheme) {
  switch (scheme) {
    case Scheme::kDeb: return "deb";
    case Scheme::kRpm: return "rpm";
    case Scheme::kApk: return "apk";
    case Scheme::kSemver: return "semver";
    case Scheme::kGo: return "go";
    case Scheme::kPep440: return "pep440";
    case Scheme::kMaven: return "maven";
    case Scheme::kGem: return "gem";
  }
  return "deb";
}

std::optional<Scheme> SchemeForEcosystem(std::string_view ecosystem) {
  std::string lower;
  for (char c : ecosystem.substr(0, ecosystem.find(':'))) lower.push_back(static_cast<char>(std::tolower(c)));
  if (lower == "debian" || lower == "ubuntu") return Scheme::kDeb;
  if (lower == "alpine" || lower == "wolfi" || lower == "chainguard") return Scheme::kApk;
  if (lower == "rhel" || lower == "red hat" || lower == "centos" || lower == "rocky" || lower == "almalinux" ||
      lower == "fedora" || lower == "suse" || lower == "sles" || lower == "opensuse" || lower == "mariner" ||
      lower == "oracle" || lower == "ol") {
    return Scheme::kRpm;
  }
  if (lower == "go") return Scheme::kGo;
  if (lower == "pypi") return Scheme::kPep440;
  if (lower == "crates.io" || lower == "npm" || lower == "nuget") return Scheme::kSemver;
  if (lower == "maven") return Scheme::kMaven;
  if (lower == "rubygems") return Scheme::kGem;
  return std::nullopt;
}

Result<int> Compare(Scheme scheme, std::string_view a, std::string_view b) {
  switch (scheme) {
    case Scheme::kDeb:
      if (!ValidDpkgVersion(a)) return MakeError(ErrorCode::kInvalidArgument, "invalid dpkg version '{}'", a);
      if (!ValidDpkgVersion(b)) return MakeError(ErrorCode::kInvalidArgument, "invalid dpkg version '{}'", b);
      return CompareDpkgUnchecked(a, b);
    default: return MakeError(ErrorCode::kUnsupported, "version scheme {} is not implemented yet", SchemeName(scheme));
  }
}

}  // namespace customs::version

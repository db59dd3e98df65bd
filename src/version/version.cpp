#include "version/version.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "version/schemes.h"

namespace customs::version {
namespace {

struct SchemeEntry {
  Scheme scheme;
  const char* name;
};
constexpr SchemeEntry kSchemes[] = {
    {Scheme::kDeb, "deb"},     {Scheme::kRpm, "rpm"},           {Scheme::kApk, "apk"},     {Scheme::kSemver, "semver"},
    {Scheme::kGo, "go"},       {Scheme::kPep440, "pep440"},     {Scheme::kMaven, "maven"}, {Scheme::kGem, "gem"},
    {Scheme::kNuget, "nuget"}, {Scheme::kComposer, "composer"},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

namespace internal {
int CompareDigitRuns(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && a[i] == '0') {
    ++i;
  }
  size_t j = 0;
  while (j < b.size() && b[j] == '0') {
    ++j;
  }
  const size_t la = a.size() - i;
  const size_t lb = b.size() - j;
  if (la != lb) {
    return la < lb ? -1 : 1;
  }
  const int c = a.substr(i).compare(b.substr(j));
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}
}  // namespace internal

std::optional<Scheme> ParseSchemeName(std::string_view name) {
  for (const auto& entry : kSchemes) {
    if (name == entry.name) {
      return entry.scheme;
    }
  }
  if (name == "dpkg" || name == "debian") {
    return Scheme::kDeb;
  }
  if (name == "npm" || name == "cargo") {
    return Scheme::kSemver;
  }
  if (name == "pypi" || name == "python") {
    return Scheme::kPep440;
  }
  if (name == "rubygems") {
    return Scheme::kGem;
  }
  if (name == "packagist" || name == "php") {
    return Scheme::kComposer;
  }
  return std::nullopt;
}

const char* SchemeName(Scheme scheme) {
  for (const auto& entry : kSchemes) {
    if (entry.scheme == scheme) {
      return entry.name;
    }
  }
  return "unknown";
}

std::optional<Scheme> SchemeForEcosystem(std::string_view ecosystem) {
  // "debian:12", "Alpine:v3.20", "Red Hat:enterprise_linux:9" -> the part before the first ':'.
  std::string base = Lower(ecosystem.substr(0, ecosystem.find(':')));
  if (base == "go" || base == "golang") {
    return Scheme::kGo;
  }
  if (base == "pypi" || base == "python") {
    return Scheme::kPep440;
  }
  if (base == "nuget") {
    return Scheme::kNuget;
  }
  if (base == "packagist" || base == "composer") {
    return Scheme::kComposer;
  }
  if (base == "crates.io" || base == "npm" || base == "hex" || base == "pub" || base == "cargo" || base == "swifturl") {
    return Scheme::kSemver;
  }
  if (base == "maven") {
    return Scheme::kMaven;
  }
  if (base == "rubygems" || base == "gem") {
    return Scheme::kGem;
  }
  if (base == "debian" || base == "ubuntu" || base == "deb" || base == "dpkg") {
    return Scheme::kDeb;
  }
  if (base == "alpine" || base == "wolfi" || base == "chainguard" || base == "apk") {
    return Scheme::kApk;
  }
  if (base == "red hat" || base == "redhat" || base == "rhel" || base == "suse" || base == "opensuse" ||
      base == "sles" || base == "rocky linux" || base == "rocky" || base == "almalinux" || base == "alma" ||
      base == "fedora" || base == "centos" || base == "oracle" || base == "amazon" || base == "mageia" ||
      base == "rpm" || base == "azure linux" || base == "mariner") {
    return Scheme::kRpm;
  }
  return std::nullopt;
}

Result<int> Compare(Scheme scheme, std::string_view a, std::string_view b) {
  switch (scheme) {
    case Scheme::kDeb: return internal::CompareDeb(a, b);
    case Scheme::kRpm: return internal::CompareRpm(a, b);
    case Scheme::kApk: return internal::CompareApk(a, b);
    case Scheme::kSemver: return internal::CompareSemver(a, b);
    case Scheme::kGo: return internal::CompareGo(a, b);
    case Scheme::kPep440: return internal::ComparePep440(a, b);
    case Scheme::kMaven: return internal::CompareMaven(a, b);
    case Scheme::kGem: return internal::CompareGem(a, b);
    case Scheme::kNuget: return internal::CompareNuGet(a, b);
    case Scheme::kComposer: return internal::CompareComposer(a, b);
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown version scheme");
}

}  // namespace customs::version

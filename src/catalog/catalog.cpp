#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "catalog/apk/apk.h"
#include "catalog/cataloger.h"
#include "catalog/dpkg/dpkg.h"
#include "catalog/lang/cargo_lock.h"
#include "catalog/lang/dotnet.h"
#include "catalog/lang/go.h"
#include "catalog/lang/java.h"
#include "catalog/lang/node.h"
#include "catalog/lang/php.h"
#include "catalog/lang/python.h"
#include "catalog/lang/ruby.h"
#include "catalog/lang/rust_binary.h"
#include "catalog/rpm/rpmdb.h"

namespace customs::catalog {
namespace {

// purl-spec "Character encoding": unreserved characters and ':' stay, everything else is %XX (upper-case hex).
std::string PercentEncode(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '.' || c == '-' ||
        c == '_' || c == '~' || c == ':') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

}  // namespace

namespace {
constexpr std::pair<PackageType, const char*> kTypeNames[] = {
    {PackageType::kDeb, "deb"},           {PackageType::kApk, "apk"},     {PackageType::kRpm, "rpm"},
    {PackageType::kMaven, "maven"},       {PackageType::kNpm, "npm"},     {PackageType::kPypi, "pypi"},
    {PackageType::kGolang, "golang"},     {PackageType::kCargo, "cargo"}, {PackageType::kGem, "gem"},
    {PackageType::kComposer, "composer"}, {PackageType::kNuget, "nuget"},
};
}  // namespace

const char* PackageTypeName(PackageType type) {
  for (const auto& [t, name] : kTypeNames) {
    if (t == type) return name;
  }
  return "unknown";
}

std::optional<PackageType> ParsePackageTypeName(std::string_view name) {
  for (const auto& [t, n] : kTypeNames) {
    if (name == n) return t;
  }
  return std::nullopt;
}

bool IsOsPackage(PackageType type) {
  return type == PackageType::kDeb || type == PackageType::kApk || type == PackageType::kRpm;
}

std::string_view OsvEcosystem(PackageType type) {
  switch (type) {
    case PackageType::kMaven: return "Maven";
    case PackageType::kNpm: return "npm";
    case PackageType::kPypi: return "PyPI";
    case PackageType::kGolang: return "Go";
    case PackageType::kCargo: return "crates.io";
    case PackageType::kGem: return "RubyGems";
    case PackageType::kComposer: return "Packagist";
    case PackageType::kNuget: return "NuGet";
    case PackageType::kDeb:
    case PackageType::kApk:
    case PackageType::kRpm: return "";
  }
  return "";
}

const char* ConfidenceName(Confidence confidence) {
  switch (confidence) {
    case Confidence::kHigh: return "high";
    case Confidence::kMedium: return "medium";
    case Confidence::kLow: return "low";
  }
  return "low";
}

namespace {

// A namespace of several segments ("github.com/gorilla"): each segment encoded, the separators kept.
std::string EncodeSegments(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = text.find('/', start);
    out += PercentEncode(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    out += '/';
    start = slash + 1;
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Namespace and name of a language package per PURL-TYPES.rst.
std::pair<std::string, std::string> LanguagePurlParts(const Package& package) {
  std::string_view name = package.name;
  auto split_last = [](std::string_view text, char separator) -> std::pair<std::string, std::string> {
    std::size_t at = text.rfind(separator);
    if (at == std::string_view::npos) {
      return {"", std::string(text)};
    }
    return {std::string(text.substr(0, at)), std::string(text.substr(at + 1))};
  };
  switch (package.type) {
    case PackageType::kMaven:
      // groupId as the namespace; a jar whose groupId is unknown has none.
      return package.group_unknown ? std::pair<std::string, std::string>{"", std::string(name)} : split_last(name, ':');
    case PackageType::kNpm:
      // "@scope/name": the scope (with its '@', encoded as %40) is the namespace.
      if (name.starts_with("@")) {
        return split_last(name, '/');
      }
      return {"", std::string(name)};
    case PackageType::kGolang:
    case PackageType::kComposer: return split_last(name, '/');
    case PackageType::kPypi: {
      // PyPI names are case-insensitive and '_' == '-': the purl spells them lower case with '-'.
      std::string normalized = Lower(name);
      for (char& c : normalized) {
        if (c == '_') {
          c = '-';
        }
      }
      return {"", normalized};
    }
    default: return {"", std::string(name)};
  }
}

}  // namespace

std::string MakePurl(const Package& package, const OsInfo& os) {
  const std::string type = PackageTypeName(package.type);
  if (!IsOsPackage(package.type)) {
    auto [namespace_name, name] = LanguagePurlParts(package);
    std::string purl = "pkg:" + type + "/";
    if (!namespace_name.empty()) {
      purl += EncodeSegments(namespace_name) + "/";
    }
    purl += PercentEncode(name);
    if (!package.version.empty()) {
      purl += "@" + PercentEncode(package.version);
    }
    return purl;
  }
  std::string namespace_name;
  if (os.detected()) {
    namespace_name = os.family == "rhel" ? "redhat" : os.family;
  } else if (package.type == PackageType::kDeb) {
    namespace_name = "debian";
  } else if (package.type == PackageType::kApk) {
    namespace_name = "alpine";
  }
  std::string version = package.version;
  if (package.type == PackageType::kRpm) {
    // The rpm purl carries the epoch as a qualifier, not in the version.
    version = package.rpm_version.empty() ? package.version : package.rpm_version;
    if (!package.rpm_release.empty()) {
      version += "-" + package.rpm_release;
    }
  }
  std::vector<std::pair<std::string, std::string>> qualifiers;
  if (!package.arch.empty()) {
    qualifiers.emplace_back("arch", package.arch);
  }
  if (os.detected()) {
    qualifiers.emplace_back("distro", os.version.empty() ? os.family : os.family + "-" + os.version);
  }
  if (package.type == PackageType::kRpm && !package.epoch.empty()) {
    qualifiers.emplace_back("epoch", package.epoch);
  }
  std::sort(qualifiers.begin(), qualifiers.end());
  std::string purl = "pkg:" + type + "/";
  if (!namespace_name.empty()) {
    purl += PercentEncode(namespace_name) + "/";
  }
  purl += PercentEncode(package.name);
  if (!version.empty()) {
    purl += "@" + PercentEncode(version);
  }
  for (std::size_t i = 0; i < qualifiers.size(); ++i) {
    purl += (i == 0 ? "?" : "&") + qualifiers[i].first + "=" + PercentEncode(qualifiers[i].second);
  }
  return purl;
}

std::vector<std::unique_ptr<Cataloger>> DefaultCatalogers() {
  std::vector<std::unique_ptr<Cataloger>> catalogers;
  catalogers.push_back(std::make_unique<dpkg::DpkgCataloger>());
  catalogers.push_back(std::make_unique<apk::ApkCataloger>());
  catalogers.push_back(std::make_unique<rpm::RpmCataloger>());
  catalogers.push_back(std::make_unique<lang::JavaCataloger>());
  catalogers.push_back(std::make_unique<lang::GoBinaryCataloger>());
  catalogers.push_back(std::make_unique<lang::RustBinaryCataloger>());
  catalogers.push_back(std::make_unique<lang::PythonCataloger>());
  catalogers.push_back(std::make_unique<lang::NodeCataloger>());
  catalogers.push_back(std::make_unique<lang::RubyCataloger>());
  catalogers.push_back(std::make_unique<lang::PhpCataloger>());
  catalogers.push_back(std::make_unique<lang::DotnetCataloger>());
  catalogers.push_back(std::make_unique<lang::CargoLockCataloger>());
  return catalogers;
}

}  // namespace customs::catalog

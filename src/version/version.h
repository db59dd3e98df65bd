// Version comparison, one scheme per ecosystem, exactly as the upstream tools compare.
// CONTRACT shared with vulndb/match: keep these names; implementations live in version/*.cpp.
#pragma once

#include <optional>
#include <string_view>

#include "core/error.h"

namespace customs::version {

enum class Scheme { kDeb, kRpm, kApk, kSemver, kGo, kPep440, kMaven, kGem, kNuget, kComposer };

// "deb", "rpm", "apk", "semver", "go", "pep440", "maven", "gem", "nuget", "composer" <-> Scheme.
std::optional<Scheme> ParseSchemeName(std::string_view name);
const char* SchemeName(Scheme scheme);

// The scheme an OSV ecosystem or a distro namespace uses: "Go" -> kGo, "PyPI" -> kPep440, "crates.io" -> kSemver,
// "npm" -> kSemver, "Maven" -> kMaven, "RubyGems" -> kGem, "NuGet" -> kNuget, "Packagist" -> kComposer,
// "Debian"/"Ubuntu"/"debian:12" -> kDeb, "Alpine"/"alpine:3.20" -> kApk, "Red Hat"/"rhel:9"/"SUSE" -> kRpm. nullopt
// when unknown.
std::optional<Scheme> SchemeForEcosystem(std::string_view ecosystem);

// <0, 0, >0. kInvalidArgument when either side cannot be parsed under the scheme (never a silent "equal").
[[nodiscard]] Result<int> Compare(Scheme scheme, std::string_view a, std::string_view b);

}  // namespace customs::version

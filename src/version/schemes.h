// Internal: one comparator per scheme. Each returns <0/0/>0, or kInvalidArgument when a side does not parse.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace customs::version::internal {

// Whether `s` is a non-empty run of ASCII digits.
inline bool AllDigits(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// Numeric compare of two digit runs of any length: strip leading zeros, longer is bigger, then lexicographic.
int CompareDigitRuns(std::string_view a, std::string_view b);

Result<int> CompareDeb(std::string_view a, std::string_view b);
Result<int> CompareRpm(std::string_view a, std::string_view b);
Result<int> CompareApk(std::string_view a, std::string_view b);
Result<int> CompareSemver(std::string_view a, std::string_view b);
Result<int> CompareGo(std::string_view a, std::string_view b);
Result<int> ComparePep440(std::string_view a, std::string_view b);
Result<int> CompareMaven(std::string_view a, std::string_view b);
Result<int> CompareGem(std::string_view a, std::string_view b);
Result<int> CompareNuGet(std::string_view a, std::string_view b);
Result<int> CompareComposer(std::string_view a, std::string_view b);

// composer/semver's VersionParser::normalize(): "v1.2" -> "1.2.0.0", "1.0.0-b1" -> "1.0.0.0-beta1", "1.x-dev" ->
// "1.9999999.9999999.9999999-dev", "dev-main" -> "dev-main"; nullopt where Composer rejects the string.
std::optional<std::string> NormalizeComposer(std::string_view version);
// PHP's version_compare() without an operator: <0, 0, >0.
int PhpVersionCompare(std::string_view a, std::string_view b);

// apk-tools' comparison without the validity check (apk compares invalid versions too; version.data has some).
int CompareApkLenient(std::string_view a, std::string_view b);
bool ApkValid(std::string_view v);

// Raw rpmvercmp() on one segment string (no epoch/release split), as rpm/rpmio/rpmvercmp.c does.
int RpmVerCmp(std::string_view a, std::string_view b);

}  // namespace customs::version::internal

// Advisory ranges: OSV `affected[].ranges` / `versions`, and distro "fixed in X" records.
// CONTRACT shared with vulndb/match: keep these names; the implementation lives in version/range.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/error.h"
#include "version/version.h"

namespace customs::version {

struct RangeEvent {
  enum class Kind { kIntroduced, kFixed, kLastAffected, kLimit };
  Kind kind = Kind::kIntroduced;
  std::string version;  // "0" for introduced means "from the beginning"
};

struct Range {
  enum class Type { kEcosystem, kSemver, kGit };
  Type type = Type::kEcosystem;
  std::vector<RangeEvent> events;  // as the record lists them (may be unsorted)
};

// What one advisory says about one package: OSV ranges and/or an explicit version list.
struct AffectedSpec {
  std::vector<Range> ranges;
  std::vector<std::string> versions;
};

struct Verdict {
  bool affected = false;
  std::string fixed_version;  // nearest fixed version above the installed one; empty when none is known
};

// Is `installed` affected under OSV evaluation rules? GIT ranges are skipped (with a diagnostic when the spec has
// nothing else to evaluate).
[[nodiscard]] Result<Verdict> Evaluate(Scheme scheme, const AffectedSpec& spec, std::string_view installed,
                                       Diagnostics* diagnostics = nullptr);

}  // namespace customs::version

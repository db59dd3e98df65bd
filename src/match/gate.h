// What a scan shows and whether it fails the CI gate: severity filter, --ignore-unfixed, ignore files (with scopes and
// expiry dates), VEX statements (OpenVEX and CycloneDX VEX), and the exit code. Pure functions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/error.h"
#include "match/matcher.h"

namespace customs::match {

// One line of an ignore file (`.customsignore`):
//   ID [PACKAGE] [exp:YYYY-MM-DD] [# reason]
// PACKAGE is a package name, a source package name, or a purl (qualifiers ignored; without @version it matches every
// version). Blank lines and lines starting with '#' are comments.
struct IgnoreRule {
  std::string id;
  std::string package;
  std::string expires;  // YYYY-MM-DD, empty when it never expires
  std::string reason;
  int line = 0;
};
[[nodiscard]] Result<std::vector<IgnoreRule>> ParseIgnoreFile(std::string_view text);

// A VEX statement that suppresses (not_affected, fixed / resolved, false_positive) a vulnerability for some products.
struct VexStatement {
  std::string vulnerability;          // id or alias
  std::vector<std::string> products;  // purls; empty = every product
  std::string status;                 // as written: not_affected, fixed, resolved, false_positive...
  std::string justification;
  std::string document;  // file name, for the report
};
// OpenVEX or CycloneDX (detected from content). Statements that do not suppress are dropped.
[[nodiscard]] Result<std::vector<VexStatement>> ParseVex(std::string_view text, std::string_view document);

struct GateOptions {
  std::set<vulndb::Severity> severities;  // shown severities; empty = all
  std::optional<vulndb::Severity> fail_on;
  int exit_code = 1;
  bool ignore_unfixed = false;
  std::string today;  // YYYY-MM-DD, for expiry
};

struct Suppressed {
  Finding finding;
  std::string by;  // "ignore-file:12", "vex:FILE", "ignore-unfixed"
  std::string reason;
};

struct GateResult {
  std::vector<Finding> shown;
  std::vector<Suppressed> suppressed;
  int exit_code = 0;  // 0, or options.exit_code when a shown finding is at or above fail_on
  int filtered = 0;   // hidden by the severity filter
};

GateResult ApplyGate(std::vector<Finding> findings, const GateOptions& options, const std::vector<IgnoreRule>& ignores,
                     const std::vector<VexStatement>& vex, Diagnostics& diagnostics);

// "LOW,HIGH" -> set; kInvalidArgument names the bad word.
[[nodiscard]] Result<std::set<vulndb::Severity>> ParseSeverityList(std::string_view text);

}  // namespace customs::match

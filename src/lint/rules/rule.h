// The rule table's types: every lint rule is one row {id, severity, summary, rationale, aliases, check}.
#pragma once

#include <array>
#include <initializer_list>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lint/dockerfile/ast.h"
#include "lint/model.h"

namespace customs::lint {

class DockerIgnore;

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };
std::string_view SeverityName(Severity severity);
bool ParseSeverity(std::string_view text, Severity& out);

struct Finding {
  std::string rule;
  std::vector<std::string> aliases;  // the aliases this finding stands for (a subset of the rule's)
  Severity severity = Severity::kInfo;
  std::string file;
  int line = 0;
  int end_line = 0;
  std::string stage;  // stage name, or its index as text
  std::string message;
  std::string fix;
  // The line of the instruction whose inline pragmas govern this finding, when it is not `line` (BuildKit reports
  // an overridden CMD at the earlier CMD but reads the `# check=` comments of the later one). 0 = `line`.
  int pragma_line = 0;
};

// Configuration the checks read (lists are the effective ones after extend/replace).
struct RuleSettings {
  std::vector<std::string> allowed_base_images;  // "ubuntu", "debian:12-slim", "registry/x/*"
  std::vector<std::string> trusted_registries;   // empty: no registry rule
  std::vector<std::string> attacker_tools;
  std::vector<std::string> compilers;
  // Label schema (hadolint's label-schema): label name -> text|url|hash|spdx|rfc3339|semver|email.
  std::map<std::string, std::string> label_schema;
  bool strict_labels = false;  // labels outside the schema are findings
};

RuleSettings DefaultRuleSettings();

// What a check sees.
struct CheckContext {
  const Dockerfile& file;
  const BuildModel& model;
  const RuleSettings& settings;
  std::vector<Finding>& out;
  const struct Rule* rule = nullptr;
  const DockerIgnore* dockerignore = nullptr;  // the build context's .dockerignore, when known
  // Emits a finding for `rule` at the instruction (index into file.instructions) and returns it, so a check can
  // narrow its aliases or adjust it before the next Report.
  Finding& Report(std::size_t instruction, std::string message, std::string fix = "") const;
  Finding& ReportLines(int line, int end_line, int stage, std::string message, std::string fix = "") const;
};

// Keeps only the listed aliases on a finding: for rules whose aliases cover different cases (a missing USER is
// Trivy's and checkov's finding but not hadolint's).
void KeepAliases(Finding& finding, std::initializer_list<std::string_view> aliases);

using CheckFunction = void (*)(const CheckContext&);

struct Rule {
  std::string_view id;
  Severity severity;
  std::string_view summary;
  std::string_view rationale;
  // hadolint DL codes, Trivy AVD ids, BuildKit check names and checkov ids ("" = unused slot).
  std::array<std::string_view, 12> aliases;
  CheckFunction check;
  // Off unless named in the config's `enabled` list (hadolint's rules whose default severity is "ignore").
  bool off_by_default = false;
};

enum class AliasKind { kHadolint, kTrivy, kBuildkit, kCheckov };
AliasKind KindOfAlias(std::string_view alias);

// The rule table, in documentation order.
std::span<const Rule> AllRules();
const Rule* FindRule(std::string_view id_or_alias);

}  // namespace customs::lint

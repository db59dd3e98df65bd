// Secret rules are data (rules.yaml, compiled in; --secret-config adds, disables and allows). See rules.yaml for the
// format. Parsing never throws: yaml-cpp's exceptions are caught here and become kInvalidArgument / kCorrupt.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "core/error.h"

namespace customs::audit::secrets {

struct SecretRule {
  std::string id;
  std::string title;
  Severity severity = Severity::kHigh;
  std::vector<std::string> keywords;  // lower case
  std::string regex;
  double min_entropy = 0;                // bits per character; 0 = no check
  std::vector<std::string> allow;        // regexes over the secret
  std::vector<std::string> allow_paths;  // fnmatch globs
};

struct RuleSet {
  std::vector<SecretRule> rules;
  std::vector<std::string> allow_paths;  // files never scanned (fnmatch globs)
};

// Parses a rule file (the rules.yaml format). kInvalidArgument names the rule and field at fault.
[[nodiscard]] Result<RuleSet> ParseRuleSet(std::string_view yaml, std::string_view what);

// The built-in rules (rules.yaml).
const RuleSet& DefaultRuleSet();
std::string_view DefaultRulesText();

// Applies a --secret-config file to `base`:
//   rules:       extra rules (same format; an id that exists replaces it)
//   disable:     [rule ids]
//   allow_paths: [globs]   (added to the global allow-list)
[[nodiscard]] Result<RuleSet> ApplySecretConfig(RuleSet base, std::string_view yaml, std::string_view what);

// The rules as a markdown section (docs/rules/audit.md, `customs audit --list-rules`).
std::string SecretRulesMarkdown(const RuleSet& rules);

// Shannon entropy of `text` in bits per character.
double ShannonEntropy(std::string_view text);

// "AKIA*****": the first 4 characters, then five asterisks, whatever the length (never more of the secret).
std::string MaskSecret(std::string_view secret);

}  // namespace customs::audit::secrets

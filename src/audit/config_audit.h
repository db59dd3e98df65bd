// The image configuration and contents audit: a table of rules (like lint's), each a check over the image's facts
// (config, history, packages) and its final filesystem (FileTree). docs/rules/audit.md is generated from the table.
//
// The product brief's dangers are judged on the built image, the ground truth:
//   image-runs-as-root, full-os-base, attacker-tool-present, compiler-present (and shell-present for "distroless").
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.h"
#include "audit/secrets/scanner.h"

namespace customs::audit {

struct ConfigContext;

struct ConfigRule {
  std::string_view id;
  std::string_view aliases;  // comma-separated (dockle's CIS-DI-xxxx / DKL-xx-xxxx where the meaning matches)
  Severity severity;
  std::string_view title;
  std::string_view description;  // why it matters (docs)
  void (*check)(ConfigContext& context);
};

std::span<const ConfigRule> ConfigRules();
// The rule with this id or alias (case-insensitive alias), or nullptr.
const ConfigRule* FindConfigRule(std::string_view id_or_alias);

// Files whose content the audit reads (the walker must capture them): /etc/passwd, /etc/group, /etc/shadow.
bool ConfigAuditWantsContent(std::string_view path);

// Runs every rule. `secret_scanner` (may be null) also checks ENV values and history lines for secrets. Findings are
// sorted by severity (highest first), rule, path.
std::vector<AuditFinding> AuditConfig(const ImageFacts& facts, const FileTree& tree,
                                      const secrets::SecretScanner* secret_scanner, Diagnostics& diagnostics);

// The rule table as markdown (docs/rules/audit.md).
std::string ConfigRulesMarkdown();

}  // namespace customs::audit

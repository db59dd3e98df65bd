// The rule registry: severities, default settings, how checks report findings, and AllRules(), which concatenates
// the family tables of families.h. The checks themselves live in one file per family.
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "core/known_tools.h"
#include "lint/rules/check_util.h"
#include "lint/rules/families.h"
#include "lint/rules/rule.h"

namespace customs::lint {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo: return "info";
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "info";
}

bool ParseSeverity(std::string_view text, Severity& out) {
  std::string lower = Lower(text);
  for (Severity s : {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (lower == SeverityName(s)) {
      out = s;
      return true;
    }
  }
  if (lower == "warning" || lower == "style") {
    out = lower == "warning" ? Severity::kMedium : Severity::kInfo;
    return true;
  }
  if (lower == "error") {
    out = Severity::kHigh;
    return true;
  }
  return false;
}

RuleSettings DefaultRuleSettings() {
  RuleSettings s;
  // One list for lint, audit and the runtime policy (src/core/data/tools.txt): packages (patterns) and binaries.
  for (const KnownTool& tool : KnownTools()) {
    std::vector<std::string>* list = tool.kind == ToolKind::kAttackerTool ? &s.attacker_tools
                                     : tool.kind == ToolKind::kCompiler   ? &s.compilers
                                                                          : nullptr;
    if (list == nullptr) continue;
    for (const auto& name : tool.packages) {
      if (std::find(list->begin(), list->end(), name) == list->end()) list->push_back(name);
    }
  }
  return s;
}

Finding& CheckContext::Report(std::size_t instruction, std::string message, std::string fix) const {
  const Instruction& inst = file.instructions[instruction];
  int stage = instruction < model.stage_of.size() ? model.stage_of[instruction] : -1;
  return ReportLines(inst.start_line, inst.end_line, stage, std::move(message), std::move(fix));
}

Finding& CheckContext::ReportLines(int line, int end_line, int stage, std::string message, std::string fix) const {
  Finding f;
  f.rule = std::string(rule->id);
  for (auto alias : rule->aliases) {
    if (!alias.empty() && std::find(f.aliases.begin(), f.aliases.end(), alias) == f.aliases.end()) {
      f.aliases.emplace_back(alias);
    }
  }
  f.severity = rule->severity;
  f.line = line;
  f.end_line = end_line;
  if (stage >= 0) {
    const Stage& s = model.stages[static_cast<std::size_t>(stage)];
    f.stage = s.name.empty() ? std::to_string(s.index) : s.name;
  }
  f.message = std::move(message);
  f.fix = std::move(fix);
  out.push_back(std::move(f));
  return out.back();
}

void KeepAliases(Finding& finding, std::initializer_list<std::string_view> aliases) {
  std::erase_if(finding.aliases, [&](const std::string& a) {
    return std::find(aliases.begin(), aliases.end(), std::string_view(a)) == aliases.end();
  });
}

AliasKind KindOfAlias(std::string_view alias) {
  if (alias.size() > 2 && alias.substr(0, 2) == "DL") {
    return AliasKind::kHadolint;
  }
  if (alias.substr(0, 4) == "AVD-") {
    return AliasKind::kTrivy;
  }
  if (alias.substr(0, 4) == "CKV_" || alias.substr(0, 5) == "CKV2_") {
    return AliasKind::kCheckov;
  }
  return AliasKind::kBuildkit;
}

std::span<const Rule> AllRules() {
  static const std::vector<Rule> all = [] {
    std::vector<Rule> rules;
    for (const RuleFamily& family : kRuleFamilies) {
      for (const Rule& rule : family.rules()) {
        rules.push_back(rule);
      }
    }
    return rules;
  }();
  return all;
}

const Rule* FindRule(std::string_view id_or_alias) {
  for (const Rule& rule : AllRules()) {
    if (rule.id == id_or_alias) {
      return &rule;
    }
  }
  for (const Rule& rule : AllRules()) {
    for (auto alias : rule.aliases) {
      if (!alias.empty() && Lower(alias) == Lower(id_or_alias)) {
        return &rule;
      }
    }
  }
  return nullptr;
}

const RuleFamily* FamilyOf(const Rule& rule) {
  for (const RuleFamily& family : kRuleFamilies) {
    for (const Rule& r : family.rules()) {
      if (r.id == rule.id) {
        return &family;
      }
    }
  }
  return nullptr;
}

}  // namespace customs::lint

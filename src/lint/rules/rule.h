// The rule table's types: every lint rule is one row {id, severity, summary, rationale, aliases, check}.
#pragma once

#include <array>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lint/dockerfile/ast.h"
#include "lint/model.h"

namespace customs::lint {

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };
std::string_view SeverityName(Severity severity);
bool ParseSeverity(std::string_view text, Severity& out);

struct Finding {
  std::string rule;
  std::vector<std::string> aliases;
  Severity severity = Severity::kInfo;
  std::string file;
  int line = 0;
  int end_line = 0;
  std::string stage;  // stage name, or its index as text
  std::string message;
  std::string fix;
};

// Configuration the checks read (lists are the effective ones after extend/replace).
struct RuleSettings {
  std::vector<std::string> allowed_base_images;  // "ubuntu", "debian:12-slim", "registry/x/*"
  std::vector<std::string> trusted_registries;   // empty: no registry rule
  std::vector<std::string> attacker_tools;
  std::vector<std::string> compilers;
};

RuleSettings DefaultRuleSettings();

// What a check sees.
struct CheckContext {
  const Dockerfile& file;
  const BuildModel& model;
  const RuleSettings& settings;
  std::vector<Finding>& out;
  const struct Rule* rule = nullptr;
  // Emits a finding for `rule` at the instruction (index into file.instructions).
  void Report(std::size_t instruction, std::string message, std::string fix = "") const;
  void ReportLines(int line, int end_line, int stage, std::string message, std::string fix = "") const;
};

using CheckFunction = void (*)(const CheckContext&);

struct Rule {
  std::string_view id;
  Severity severity;
  std::string_view summary;
  std::string_view rationale;
  std::array<std::string_view, 3> aliases;  // hadolint DL code, Trivy AVD id, BuildKit check name ("" = none)
  CheckFunction check;
};

// The rule table, in documentation order.
std::span<const Rule> AllRules();
const Rule* FindRule(std::string_view id_or_alias);

}  // namespace customs::lint

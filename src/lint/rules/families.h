// The rule families. Each family is one source file holding a constexpr table of rules; AllRules() concatenates
// them in this order, which is also the order of docs/rules/lint.md.
#pragma once

#include <span>
#include <string_view>

#include "lint/rules/rule.h"

namespace customs::lint {

std::span<const Rule> BaseImageRules();  // base_image.cpp
std::span<const Rule> UserRules();       // user.cpp
std::span<const Rule> PackagesRules();   // packages.cpp
std::span<const Rule> ShellRunRules();   // shell_run.cpp
std::span<const Rule> CopyAddRules();    // copy_add.cpp
std::span<const Rule> MetadataRules();   // metadata.cpp
std::span<const Rule> BuildkitRules();   // buildkit.cpp
std::span<const Rule> SecretsRules();    // secrets.cpp

struct RuleFamily {
  std::string_view name;
  std::string_view source;  // file under src/lint/rules/
  std::span<const Rule> (*rules)();
};

inline constexpr RuleFamily kRuleFamilies[] = {
    {"Base image", "base_image.cpp", BaseImageRules},        {"User", "user.cpp", UserRules},
    {"Packages and pinning", "packages.cpp", PackagesRules}, {"Shell and RUN", "shell_run.cpp", ShellRunRules},
    {"COPY and ADD", "copy_add.cpp", CopyAddRules},          {"Metadata", "metadata.cpp", MetadataRules},
    {"BuildKit checks", "buildkit.cpp", BuildkitRules},      {"Secrets", "secrets.cpp", SecretsRules},
};

// The family a rule belongs to (nullptr for a rule from no family table).
const RuleFamily* FamilyOf(const Rule& rule);

}  // namespace customs::lint

// customs lint: parse a Dockerfile, build the stage model, run the rule table, apply configuration and inline
// pragmas. Pure library: nothing is printed; renderers return strings.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "lint/rules/rule.h"

namespace customs::lint {

struct LintConfig {
  std::set<std::string> ignored;              // rule ids or aliases
  std::set<std::string> enabled;              // rules that are off by default, turned on (ids or aliases)
  std::map<std::string, Severity> overrides;  // rule id or alias -> severity
  RuleSettings settings = DefaultRuleSettings();
  std::optional<Severity> failure_threshold;
  std::vector<std::string> excludes;  // glob patterns for --recursive discovery
  std::string target;
  std::map<std::string, std::string> build_args;  // BUILDKIT_DOCKERFILE_CHECK replaces the `# check=` directive
  // The build context's .dockerignore content (CopyIgnoredFile). LintFile reads <Dockerfile>.dockerignore or the
  // .dockerignore next to the Dockerfile when this is unset.
  std::optional<std::string> dockerignore;
};

// Loads .customs.yaml (the `lint:` section, or the top level if there is none). Keys: ignored, enabled (rules that
// are off by default), override ({rule: severity}), trusted_registries, allowed_base_images, attacker_tools /
// compilers (a list replaces the default; {extend: [...]} or {replace: [...]}), label_schema ({label:
// text|url|hash|spdx|rfc3339|semver|email}), strict_labels, failure_threshold, excludes.
// Errors: kIo, kInvalidArgument.
[[nodiscard]] Result<LintConfig> LoadLintConfig(const std::filesystem::path& path);
// The same from text; `origin` names it in errors.
[[nodiscard]] Result<LintConfig> ParseLintConfig(std::string_view text, const std::string& origin);

struct FileReport {
  std::string file;
  std::vector<Finding> findings;
  // Set when the Dockerfile asks BuildKit to fail on check warnings (`# check=error=true`) and one was reported:
  // BuildKit's message, "lint violation found for rules: A, B". The CLI then fails regardless of --fail-on.
  std::string build_error;
};

// Lints one Dockerfile's content. Parse errors come back as kInvalidArgument with "line N: reason"; so do a
// malformed `# check=` directive and a malformed .dockerignore, which make BuildKit fail too.
[[nodiscard]] Result<FileReport> LintContent(std::string_view content, std::string file_name, const LintConfig& config);

// Reads and lints a file (binary files and files over 64 MiB are rejected with a clear error).
[[nodiscard]] Result<FileReport> LintFile(const std::filesystem::path& path, const LintConfig& config);

// Finds Dockerfiles: a file is taken as is; a directory yields Dockerfile, Containerfile, *.Dockerfile,
// *.dockerfile, Dockerfile.* (below it when recursive), skipping `excludes`. Sorted.
[[nodiscard]] Result<std::vector<std::filesystem::path>> DiscoverDockerfiles(const std::filesystem::path& path,
                                                                             bool recursive,
                                                                             const std::vector<std::string>& excludes);

// Renderers (pure). `files` are the files linted.
std::string RenderJson(const std::vector<FileReport>& reports);
std::string RenderSarif(const std::vector<FileReport>& reports);
std::string RenderCheckstyle(const std::vector<FileReport>& reports);
std::string RenderJunit(const std::vector<FileReport>& reports);
std::string RenderCodeClimate(const std::vector<FileReport>& reports);
std::string RenderTty(const std::vector<FileReport>& reports, bool color);

// Markdown reference of every rule (docs/rules/lint.md is this text; a test keeps them in sync).
std::string RenderRulesMarkdown();

}  // namespace customs::lint

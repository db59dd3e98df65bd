// customs lint: Dockerfile linting that enforces secure images. See docs/rules/lint.md.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>

#include "commands.h"
#include "core/file_util.h"
#include "lint/linter.h"
#include "policy/policy.h"
#include "policy/stages.h"
#include "scan/policy_check.h"

namespace customs::cli {
namespace {

namespace fs = std::filesystem;

struct LintOptions {
  std::vector<std::string> paths;
  std::string format = "tty";
  std::string output;
  std::string config;
  std::string fail_on;
  int exit_code = kExitFindings;
  std::string target;
  std::vector<std::string> build_args;
  bool recursive = false;
  bool list_rules = false;
  std::string policy;
  std::vector<std::string> image_names;
};

int RunLint(const LintOptions& options) {
  using namespace customs::lint;
  if (options.list_rules) {
    if (options.format == "markdown") {
      std::fputs(RenderRulesMarkdown().c_str(), stdout);
    } else {
      for (const Rule& rule : AllRules()) {
        std::string aliases;
        for (auto a : rule.aliases) {
          if (!a.empty()) aliases += (aliases.empty() ? "" : ",") + std::string(a);
        }
        std::printf("%-32s %-8s %-45s %s\n", std::string(rule.id).c_str(),
                    std::string(SeverityName(rule.severity)).c_str(), aliases.c_str(),
                    std::string(rule.summary).c_str());
      }
    }
    return kExitOk;
  }
  static const std::vector<std::string> kFormats = {"tty", "json", "sarif", "checkstyle", "junit", "codeclimate"};
  if (std::find(kFormats.begin(), kFormats.end(), options.format) == kFormats.end()) {
    std::fprintf(stderr, "customs lint: unknown --format %s (tty|json|sarif|checkstyle|junit|codeclimate)\n",
                 options.format.c_str());
    return kExitUsage;
  }
  LintConfig config;
  fs::path config_path = options.config;
  if (config_path.empty() && fs::exists(".customs.yaml")) config_path = ".customs.yaml";
  if (!config_path.empty()) {
    auto loaded = LoadLintConfig(config_path);
    if (!loaded) {
      std::fprintf(stderr, "customs lint: %s\n", loaded.error().message().c_str());
      return options.config.empty() ? kExitFailure : kExitUsage;
    }
    config = std::move(*loaded);
  }
  config.target = options.target;
  for (const auto& kv : options.build_args) {
    std::size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "customs lint: --build-arg expects KEY=VALUE, got \"%s\"\n", kv.c_str());
      return kExitUsage;
    }
    config.build_args[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // customs.policy.yaml: the controls that apply turn on the lint rules they need; their verdicts are printed on
  // stderr after the report, and a violated control in enforce mode fails the run.
  std::optional<policy::PolicyFile> policy_file;
  policy::Applicable applicable;
  if (!options.policy.empty()) {
    auto loaded = policy::LoadPolicy(options.policy);
    if (!loaded) {
      std::fprintf(stderr, "customs lint: %s\n", loaded.error().message().c_str());
      return kExitUsage;
    }
    policy_file = std::move(*loaded);
    applicable = policy::ApplicableControls(*policy_file, scan::DockerfileIdentity(options.image_names));
    scan::EnablePolicyLintRules(applicable, &config);
  }
  Severity gate = config.failure_threshold.value_or(Severity::kMedium);
  if (!options.fail_on.empty() && !ParseSeverity(options.fail_on, gate)) {
    std::fprintf(stderr, "customs lint: unknown --fail-on %s (info|low|medium|high|critical)\n",
                 options.fail_on.c_str());
    return kExitUsage;
  }

  std::vector<std::string> paths = options.paths.empty() ? std::vector<std::string>{"."} : options.paths;
  std::vector<FileReport> reports;
  bool failed = false;
  for (const auto& path : paths) {
    if (path == "-") {
      std::string content((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
      auto report = LintContent(content, "-", config);
      if (!report) {
        std::fprintf(stderr, "customs lint: -: %s\n", report.error().message().c_str());
        failed = true;
      } else {
        reports.push_back(std::move(*report));
      }
      continue;
    }
    auto files = DiscoverDockerfiles(path, options.recursive, config.excludes);
    if (!files) {
      std::fprintf(stderr, "customs lint: %s\n", files.error().message().c_str());
      failed = true;
      continue;
    }
    if (files->empty()) std::fprintf(stderr, "customs lint: %s: no Dockerfile found\n", path.c_str());
    for (const auto& file : *files) {
      auto report = LintFile(file, config);
      if (!report) {
        std::fprintf(stderr, "customs lint: %s\n", report.error().message().c_str());
        failed = true;
        continue;
      }
      reports.push_back(std::move(*report));
    }
  }

  std::string rendered;
  const bool to_file = !options.output.empty();
  if (options.format == "json") rendered = RenderJson(reports);
  if (options.format == "sarif") rendered = RenderSarif(reports);
  if (options.format == "checkstyle") rendered = RenderCheckstyle(reports);
  if (options.format == "junit") rendered = RenderJunit(reports);
  if (options.format == "codeclimate") rendered = RenderCodeClimate(reports);
  if (options.format == "tty") {
    const char* no_color = std::getenv("NO_COLOR");
    bool color = !to_file && isatty(STDOUT_FILENO) && (no_color == nullptr || no_color[0] == '\0');
    rendered = RenderTty(reports, color);
  }
  if (to_file) {
    if (auto status = WriteFileAtomic(options.output, rendered); !status) {
      std::fprintf(stderr, "customs lint: %s\n", status.error().message().c_str());
      return kExitFailure;
    }
  } else {
    std::fwrite(rendered.data(), 1, rendered.size(), stdout);
  }
  if (failed) return kExitFailure;
  bool policy_failed = false;
  if (policy_file) {
    auto verdicts = scan::JudgeLintReports(applicable, reports);
    std::fprintf(
        stderr, "customs lint: policy %s\n%s", options.policy.c_str(),
        applicable.controls.empty() ? "no policy applies\n" : policy::RenderVerdictTable(applicable, verdicts).c_str());
    policy_failed = policy::AnyFailure(verdicts);
  }
  if (policy_failed) return options.exit_code;
  bool build_error = false;
  for (const auto& r : reports) {
    if (!r.build_error.empty()) {
      std::fprintf(stderr, "customs lint: %s: %s (# check=error=true)\n", r.file.c_str(), r.build_error.c_str());
      build_error = true;
    }
  }
  if (build_error) return options.exit_code;
  for (const auto& r : reports) {
    for (const auto& f : r.findings) {
      if (f.severity >= gate) return options.exit_code;
    }
  }
  return kExitOk;
}

}  // namespace

void AddLintCommand(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<LintOptions>();
  CLI::App* lint = app.add_subcommand("lint", "Lint Dockerfiles for insecure images and build best practices");
  lint->footer(
      "PATH is a Dockerfile or a directory (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*); '-' reads stdin.\n"
      "Config: .customs.yaml in the current directory, or --config. Rules: docs/rules/lint.md or --list-rules.\n"
      "Exit codes: 0 ok, 1 (or --exit-code) a finding at or above --fail-on (default: config failure_threshold,\n"
      "else medium), or a BuildKit check reported in a file that says `# check=error=true`; 2 usage error, 3 a file\n"
      "that cannot be read or parsed. A .dockerignore next to the Dockerfile is read (CopyIgnoredFile).");
  lint->add_option("PATH", options->paths, "Dockerfiles or directories (default: .)");
  lint->add_option("--format,-f", options->format, "tty|json|sarif|checkstyle|junit|codeclimate")
      ->check(CLI::IsMember({"tty", "json", "sarif", "checkstyle", "junit", "codeclimate", "markdown"}));
  lint->add_option("--output,-o", options->output, "write the report to FILE instead of stdout");
  lint->add_option("--config", options->config, "configuration file (default: ./.customs.yaml if present)");
  lint->add_option("--fail-on", options->fail_on, "lowest severity that fails: info|low|medium|high|critical");
  lint->add_option("--exit-code", options->exit_code, "exit code when a finding reaches --fail-on (default 1)");
  lint->add_option("--target", options->target, "stage to judge as the final image (default: the last)");
  lint->add_option("--build-arg", options->build_args,
                   "KEY=VALUE, used to resolve ARGs (repeatable); BUILDKIT_DOCKERFILE_CHECK=... replaces `# check=`")
      ->allow_extra_args(false);
  lint->add_flag("--recursive,-r", options->recursive, "search directories recursively (honours config excludes)");
  lint->add_option("--policy", options->policy,
                   "customs.policy.yaml: judge its controls at the Dockerfile (no-shell, non-root, no-attacker-tools, "
                   "no-compilers); a violated control in enforce mode fails the run");
  lint->add_option("--image-name", options->image_names,
                   "the name of the image this Dockerfile builds, for the policy's image selectors (repeatable)")
      ->allow_extra_args(false);
  lint->add_flag("--list-rules", options->list_rules, "print the rule table (with --format markdown: the rule doc)");
  lint->callback([options, &context] { context.exit_code = RunLint(*options); });
}

}  // namespace customs::cli

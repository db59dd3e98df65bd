// customs policy rules FILE [--image IMAGE]: the runtime rules a policy file generates, in Falco's YAML.
// customs policy check [--policy FILE] --dockerfile F --image I: one table, each control and its verdict per stage.
// The policy file format and the controls: docs/policy.md.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "lint/linter.h"
#include "policy/policy.h"
#include "policy/runtime_rules.h"
#include "policy/stages.h"
#include "scan/policy_check.h"
#include "scan/scan.h"
#include "vulndb/store.h"

namespace customs::cli {
namespace {

struct PolicyArgs {
  std::string policy_file;
  std::string image;
  std::vector<std::string> image_names;
  std::string dockerfile;
  std::string target;  // lint --target
  std::vector<std::string> build_args;
  std::string output;
  std::string format = "table";
  std::string db;
  ImageSourceFlags source;
};

Result<policy::PolicyFile> LoadPolicyArg(const std::string& path) {
  std::string file = path.empty() ? "customs.policy.yaml" : path;
  if (path.empty() && !std::filesystem::exists(file)) {
    return MakeError(ErrorCode::kNotFound, "no policy file: give --policy FILE (or put customs.policy.yaml here)");
  }
  return policy::LoadPolicy(file);
}

// Reads the image once: packages, the audit's configuration rules, and (when asked) its executables.
Result<scan::Inventory> ReadImage(const PolicyArgs& args, bool executables, bool audit) {
  scan::InventoryOptions options;
  options.target = args.image;
  options.collect_executables = executables;
  options.audit.config = audit;
  if (auto applied = ApplyImageSourceFlags(args.source, options); !applied) {
    return tl::unexpected(applied.error());
  }
  return scan::BuildInventory(options);
}

int RunRules(const PolicyArgs& args) {
  auto file = policy::LoadPolicy(args.policy_file);
  if (!file) {
    return Failure(file.error());
  }
  policy::RuleOptions options;
  options.source_name = std::filesystem::path(args.policy_file).filename().string();
  policy::RuntimeImage image;
  if (!args.image.empty()) {
    auto inventory = ReadImage(args, /*executables=*/true, /*audit=*/false);
    if (!inventory) {
      return Failure(inventory.error());
    }
    for (const auto& d : inventory->diagnostics) {
      if (d.level >= DiagnosticLevel::kWarning) {
        std::fprintf(stderr, "customs: %s: %s: %s\n", DiagnosticLevelName(d.level), d.subject.c_str(),
                     d.message.c_str());
      }
    }
    image = scan::RuntimeImageOf(*inventory, args.image_names);
    options.image = &image;
    std::fprintf(stderr, "customs policy rules: %s: %zu executables, identity %zu names and %zu digests\n",
                 args.image.c_str(), image.executables.size(), image.names.size(), image.digests.size());
  }
  std::string text = policy::GenerateRuntimeRules(*file, options);
  return Emit([&](Output& out) { out.Write(text); }, args.output);
}

int RunCheck(const PolicyArgs& args) {
  if (args.format != "table" && args.format != "json") {
    return UsageError("--format: table or json");
  }
  if (args.dockerfile.empty() && args.image.empty()) {
    return UsageError("policy check: give --dockerfile, --image or both");
  }
  auto file = LoadPolicyArg(args.policy_file);
  if (!file) {
    return Failure(file.error());
  }

  // The image first: its identity (digests, labels) decides which policies apply at every stage.
  std::optional<scan::ScanResult> scanned;
  policy::ImageIdentity identity = scan::DockerfileIdentity(args.image_names);
  if (!args.image.empty()) {
    scan::ScanRequest request;
    request.inventory.target = args.image;
    request.inventory.audit.config = true;
    if (auto applied = ApplyImageSourceFlags(args.source, request.inventory); !applied) {
      return UsageError(applied.error().message());
    }
    std::unique_ptr<vulndb::Store> store;
    std::filesystem::path db = args.db.empty() ? vulndb::DefaultStorePath() : std::filesystem::path(args.db);
    if (std::filesystem::exists(db)) {
      auto opened = vulndb::Store::Open(db);
      if (!opened) {
        return Failure(opened.error());
      }
      store = std::move(*opened);
    } else if (!args.db.empty()) {
      return Failure(Error(ErrorCode::kNotFound, "no vulnerability database at " + db.string()));
    }
    request.index = store.get();
    request.policy.vulnerabilities = store != nullptr;
    request.policy.policy_file = &*file;
    request.policy.image_names = args.image_names;
    request.policy.allow_incomplete = true;
    auto result = scan::Scan(request);
    if (!result) {
      return Failure(result.error());
    }
    scanned = std::move(*result);
    const auto& r = scanned->report;
    identity.digests = {};
    if (!r.manifest_digest.empty()) {
      identity.digests.push_back(r.manifest_digest);
    }
  }
  policy::Applicable applicable = scanned ? scanned->policy_applicable : policy::ApplicableControls(*file, identity);
  std::vector<policy::Verdict> verdicts;
  if (!args.dockerfile.empty()) {
    lint::LintConfig config;
    config.target = args.target;
    for (const auto& kv : args.build_args) {
      std::size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        return UsageError("--build-arg expects KEY=VALUE");
      }
      config.build_args[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    scan::EnablePolicyLintRules(applicable, &config);
    auto report = lint::LintFile(args.dockerfile, config);
    if (!report) {
      return Failure(report.error());
    }
    auto lint = scan::JudgeLintReports(applicable, {*report});
    verdicts.insert(verdicts.end(), lint.begin(), lint.end());
  }
  if (scanned) {
    verdicts.insert(verdicts.end(), scanned->policy_verdicts.begin(), scanned->policy_verdicts.end());
  }
  auto runtime = policy::JudgeRuntime(applicable);
  verdicts.insert(verdicts.end(), runtime.begin(), runtime.end());
  std::string text = args.format == "json" ? policy::RenderVerdictJson(applicable, verdicts)
                                           : policy::RenderVerdictTable(applicable, verdicts);
  if (applicable.controls.empty() && args.format == "table") {
    text = "no policy in " + file->origin + " applies\n";
  }
  int emitted = Emit([&](Output& out) { out.Write(text); }, args.output);
  if (emitted != kExitOk) {
    return emitted;
  }
  return policy::AnyFailure(verdicts) ? kExitFindings : kExitOk;
}

}  // namespace

void AddPolicyCommand(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "policy", "One policy file (customs.policy.yaml) for the Dockerfile, the image and the running container");
  command->require_subcommand(1);

  auto rules_args = std::make_shared<PolicyArgs>();
  CLI::App* rules = command->add_subcommand(
      "rules", "Print the runtime rules a policy generates (Falco YAML; customs watch --policy loads the same)");
  rules->add_option("FILE", rules_args->policy_file, "policy file")->required()->check(CLI::ExistingFile);
  rules->add_option("--image", rules_args->image,
                    "Generate the rules of this image (archive, OCI layout or registry reference): only the policies "
                    "that select it, scoped to it, with its own executables as the allow-list of no-shell and "
                    "immutable");
  rules
      ->add_option("--image-name", rules_args->image_names,
                   "A name containers of the image run under (container.image), for selectors and scope "
                   "(repeatable; a registry reference given to --image is one)")
      ->allow_extra_args(false);
  rules->add_option("-o,--output", rules_args->output, "Write the rules to FILE instead of stdout");
  AddImageSourceFlags(rules, rules_args->source);
  rules->callback([rules_args, &context] { context.exit_code = RunRules(*rules_args); });

  auto check_args = std::make_shared<PolicyArgs>();
  CLI::App* check = command->add_subcommand(
      "check", "Judge a Dockerfile and the image built from it against the policy: one table, control x stage");
  check->add_option("--policy", check_args->policy_file, "policy file (default ./customs.policy.yaml)");
  check->add_option("--dockerfile", check_args->dockerfile, "the Dockerfile (lint stage)");
  check->add_option("--image", check_args->image,
                    "the image built from it (audit stage): archive, OCI layout or registry reference");
  check
      ->add_option("--image-name", check_args->image_names,
                   "a name the image is known by, for the policies' image selectors (repeatable)")
      ->allow_extra_args(false);
  check->add_option("--target", check_args->target, "lint: the stage to judge as the final image");
  check->add_option("--build-arg", check_args->build_args, "lint: KEY=VALUE to resolve ARGs (repeatable)")
      ->allow_extra_args(false);
  check->add_option("--db", check_args->db,
                    "vulnerability store for the vulnerabilities control (default: the usual store, when it exists; "
                    "without one that control is 'not run')");
  check->add_option("-f,--format", check_args->format, "table or json")->capture_default_str();
  check->add_option("-o,--output", check_args->output, "Write the table to FILE instead of stdout");
  AddImageSourceFlags(check, check_args->source);
  check->footer(
      "Verdicts: pass, FAIL (violated, mode enforce), warn (violated, mode warn), - (the stage does not check the "
      "control), info, enforced / alert (runtime: what the generated rules do), not run.\n"
      "Exit codes: 0 nothing FAILs, 1 a control FAILs, 2 usage error, 3 failure.");
  check->callback([check_args, &context] { context.exit_code = RunCheck(*check_args); });
}

}  // namespace customs::cli

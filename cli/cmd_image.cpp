// customs image IMAGE / customs fs DIR: inventory, match against the local store, report, and the CI gate.
#include <ctime>
#include <filesystem>
#include <memory>

#include "audit/config_audit.h"
#include "audit/secrets/scanner.h"
#include "cli_common.h"
#include "commands.h"
#include "core/file_util.h"
#include "core/utf8.h"
#include "match/gate.h"
#include "match/matcher.h"
#include "policy/policy.h"
#include "policy/stages.h"
#include "report/sbom.h"
#include "report/scan_report.h"
#include "runtime/usage/usage.h"
#include "scan/scan.h"
#include "tty/terminal.h"
#include "vulndb/store.h"

namespace customs::cli {
namespace {

struct ScanArgs {
  std::string target;
  bool rootfs = false;
  bool from_sbom = false;  // sbom-scan: the target is a CycloneDX or SPDX document
  std::string format = "table";
  std::string output;
  std::string severity;
  std::string fail_on;
  int exit_code = 1;
  bool ignore_unfixed = false;
  std::string ignore_file;
  std::vector<std::string> vex;
  std::string db;
  bool quiet = false;
  bool allow_incomplete = false;
  std::string os_owned = "skip";
  bool informational = false;
  int max_age_hours = 72;
  ImageSourceFlags source;
  // Which scanners run: vuln, secret, config (customs image: all three; customs audit: secret and config).
  std::string scanners = "vuln,secret,config";
  std::string secret_config;
  std::uint64_t secret_max_size = 10ull << 20;
  bool secret_scan_binaries = false;
  std::string secret_engine = "auto";
  std::string policy;
  std::vector<std::string> image_names;
  std::string usage;
  std::string fail_on_in_use;
};

struct Scanners {
  bool vuln = false;
  bool secret = false;
  bool config = false;
};

Result<Scanners> ParseScanners(std::string_view text) {
  Scanners out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view word = text.substr(start, comma - start);
    if (word == "vuln") {
      out.vuln = true;
    } else if (word == "secret") {
      out.secret = true;
    } else if (word == "config") {
      out.config = true;
    } else if (!word.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "--scanners: unknown scanner '{}' (vuln, secret, config)", word);
    }
    start = comma + 1;
  }
  if (!out.vuln && !out.secret && !out.config) {
    return MakeError(ErrorCode::kInvalidArgument, "--scanners: name at least one of vuln, secret, config");
  }
  return out;
}

// One stderr line per incomplete diagnostic, then what it means for the exit code.
void PrintIncomplete(const std::vector<Diagnostic>& diagnostics, bool allowed) {
  int count = 0;
  for (const auto& d : diagnostics) {
    if (d.level != DiagnosticLevel::kIncomplete) continue;
    ++count;
    // Sanitised: the subject can be a path from the image, and stderr is a terminal.
    std::fprintf(stderr, "customs: incomplete: %s\n",
                 Sanitized(d.source + ": " + d.subject + ": " + d.message, TextContext::kLine).c_str());
  }
  if (count == 0) return;
  std::fprintf(
      stderr, "customs: the scan is incomplete (%d reason%s above)%s\n", count, count == 1 ? "" : "s",
      allowed ? "; --allow-incomplete: exit code from the findings alone" : "; exit 3 (--allow-incomplete to pass)");
}

std::string Today() {
  return report::NowRfc3339().substr(0, 10);
}

int RunScan(const ScanArgs& args) {
  auto format = report::ParseScanFormat(args.format);
  if (!format) return UsageError(format.error().message());
  match::GateOptions gate;
  gate.exit_code = args.exit_code;
  gate.ignore_unfixed = args.ignore_unfixed;
  gate.today = Today();
  if (!args.severity.empty()) {
    auto severities = match::ParseSeverityList(args.severity);
    if (!severities) return UsageError(severities.error().message());
    gate.severities = *severities;
  }
  if (!args.fail_on.empty()) {
    auto fail_on = match::ParseSeverityList(args.fail_on);
    if (!fail_on || fail_on->size() != 1) return UsageError("--fail-on takes one severity (e.g. HIGH)");
    gate.fail_on = *fail_on->begin();
  }
  // Read every input that can be wrong before the (longer) scan, so a typo fails fast.
  std::vector<match::IgnoreRule> ignores;
  std::string ignore_path = args.ignore_file;
  if (ignore_path.empty() && std::filesystem::exists(".customsignore")) ignore_path = ".customsignore";
  if (!ignore_path.empty()) {
    auto text = ReadFile(ignore_path);
    if (!text) return Failure(text.error());
    auto parsed = match::ParseIgnoreFile(*text);
    if (!parsed) return Failure(parsed.error().WithContext(ignore_path));
    ignores = std::move(*parsed);
  }
  std::vector<match::VexStatement> vex;
  for (const auto& file : args.vex) {
    auto text = ReadFile(file);
    if (!text) return Failure(text.error());
    auto parsed = match::ParseVex(*text, std::filesystem::path(file).filename().string());
    if (!parsed) return Failure(parsed.error());
    vex.insert(vex.end(), parsed->begin(), parsed->end());
  }
  auto scanners = ParseScanners(args.scanners);
  if (!scanners) return UsageError(scanners.error().message());
  std::vector<runtime::UsageEntry> usage;
  if (!args.usage.empty()) {
    if (!scanners->vuln) return UsageError("--usage ranks vulnerability findings: add vuln to --scanners");
    auto text = ReadFile(args.usage, std::size_t{1} << 30);
    if (!text) return Failure(text.error());
    auto parsed = runtime::ParseUsage(*text);
    if (!parsed) return Failure(parsed.error().WithContext(args.usage));
    usage = std::move(*parsed);
  }
  std::optional<vulndb::Severity> fail_on_in_use;
  if (!args.fail_on_in_use.empty()) {
    if (args.usage.empty()) return UsageError("--fail-on-in-use needs --usage FILE");
    auto parsed = match::ParseSeverityList(args.fail_on_in_use);
    if (!parsed || parsed->size() != 1) return UsageError("--fail-on-in-use takes one severity (e.g. HIGH)");
    fail_on_in_use = *parsed->begin();
  }
  std::optional<policy::PolicyFile> policy_file;
  if (!args.policy.empty()) {
    if (args.from_sbom) return UsageError("--policy needs an image: an SBOM has no configuration to audit");
    auto loaded = policy::LoadPolicy(args.policy);
    if (!loaded) return Failure(loaded.error());
    policy_file = std::move(*loaded);
  }
  if (args.from_sbom && (scanners->secret || scanners->config)) {
    return UsageError("sbom-scan only matches vulnerabilities: an SBOM has no files or config to audit");
  }
  std::unique_ptr<audit::secrets::SecretScanner> secret_scanner;
  if (scanners->secret || scanners->config) {
    audit::secrets::RuleSet rules = audit::secrets::DefaultRuleSet();
    if (!args.secret_config.empty()) {
      auto text = ReadFile(args.secret_config);
      if (!text) return Failure(text.error());
      auto applied = audit::secrets::ApplySecretConfig(std::move(rules), *text, args.secret_config);
      if (!applied) return Failure(applied.error());
      rules = std::move(*applied);
    }
    audit::secrets::Engine engine = audit::secrets::Engine::kAuto;
    if (args.secret_engine == "hyperscan") {
      engine = audit::secrets::Engine::kHyperscan;
    } else if (args.secret_engine == "re2") {
      engine = audit::secrets::Engine::kRe2;
    } else if (args.secret_engine != "auto") {
      return UsageError("--secret-engine: auto, hyperscan or re2");
    }
    std::string note;
    auto created = audit::secrets::SecretScanner::Create(std::move(rules), engine, &note);
    if (!created) return Failure(created.error());
    secret_scanner = std::move(*created);
    if (!note.empty() && !args.quiet) std::fprintf(stderr, "customs: warning: %s\n", note.c_str());
  }
  std::unique_ptr<vulndb::Store> store;
  if (scanners->vuln) {
    std::filesystem::path db = args.db.empty() ? vulndb::DefaultStorePath() : std::filesystem::path(args.db);
    if (!std::filesystem::exists(db)) {
      return Failure(
          Error(ErrorCode::kNotFound,
                fmt::format("no vulnerability database at {}: run `customs db update` to download the feeds, "
                            "or `customs db import FILE...` to build it from local files (or --scanners secret,config "
                            "to audit without one)",
                            db.string())));
    }
    auto opened = vulndb::Store::Open(db);
    if (!opened) return Failure(opened.error());
    store = std::move(*opened);
    if (auto info = store->Info(); info && !args.quiet) {
      if (auto warning = vulndb::StaleStoreWarning(*info, std::chrono::hours(args.max_age_hours))) {
        std::fprintf(stderr, "customs: warning: %s\n", warning->c_str());
      }
    }
  }

  scan::ScanRequest request;
  request.index = store.get();
  request.policy.vulnerabilities = scanners->vuln;
  request.inventory.audit.config = scanners->config;
  request.inventory.audit.secrets = scanners->secret;
  request.inventory.audit.secret_scanner = secret_scanner.get();
  request.inventory.audit.secret_options.max_file_size = args.secret_max_size;
  request.inventory.audit.secret_options.scan_binaries = args.secret_scan_binaries;
  request.policy.gate = gate;
  request.policy.ignores = std::move(ignores);
  request.policy.vex = std::move(vex);
  request.policy.allow_incomplete = args.allow_incomplete;
  request.policy.match.match_os_owned = args.os_owned == "match";
  request.policy.match.include_informational = args.informational;
  request.policy.image_names = args.image_names;
  if (policy_file) request.policy.policy_file = &*policy_file;
  if (!args.usage.empty()) {
    request.policy.usage = &usage;
    request.policy.fail_on_in_use = fail_on_in_use;
  }
  request.inventory.target = args.target;
  request.inventory.force_rootfs = args.rootfs;
  if (auto applied = ApplyImageSourceFlags(args.source, request.inventory); !applied) {
    return UsageError(applied.error().message());
  }
  Result<scan::ScanResult> result = MakeError(ErrorCode::kInternal, "no scan");
  if (args.from_sbom) {
    auto text = ReadFile(args.target, std::size_t{1} << 30);
    if (!text) return Failure(text.error());
    request.from_sbom = true;
    request.sbom_text = std::move(*text);
    result = scan::Scan(request);
  } else {
    ProgressBar progress("reading layers");
    if (!args.quiet) {
      request.inventory.on_progress = [&progress](std::uint64_t done, std::uint64_t total) {
        progress.Update(done, total);
      };
    }
    result = scan::Scan(request);
    progress.Finish();
  }
  if (!result) return Failure(result.error());
  const report::ScanReport& scan_report = result->report;
  report::ScanWriteOptions write;
  write.tool_version = CUSTOMS_VERSION;
  write.color = args.output.empty() && ColorEnabled(stdout);
  write.timestamp = TimestampFromEnvironment();
  int emitted = Emit([&](Output& out) { report::WriteScanReport(*format, scan_report, write, out); }, args.output);
  if (emitted != kExitOk) return emitted;
  // Every incomplete diagnostic is named on stderr too, --quiet or not: a gate must never pass by not looking.
  PrintIncomplete(scan_report.diagnostics, args.allow_incomplete);
  if (result->policy_checked) {
    const auto& applicable = result->policy_applicable;
    std::fprintf(stderr, "customs: policy %s\n%s", args.policy.c_str(),
                 applicable.controls.empty() ? "no policy applies to this image\n"
                                             : policy::RenderVerdictTable(applicable, result->policy_verdicts).c_str());
  }
  return result->exit_code;
}

void AddScanOptions(CLI::App* command, ScanArgs& args) {
  command->add_option("-f,--format", args.format, "table, json, sarif, cyclonedx, junit or markdown")
      ->capture_default_str();
  command->add_option("-o,--output", args.output, "Write the report to FILE (atomically) instead of stdout");
  command->add_option("--severity", args.severity,
                      "Show only these severities (comma-separated: UNKNOWN,NEGLIGIBLE,LOW,MEDIUM,HIGH,CRITICAL)");
  command->add_option("--fail-on", args.fail_on, "Exit with --exit-code when a shown finding is at or above SEVERITY");
  command->add_option("--exit-code", args.exit_code, "Exit code for --fail-on (default 1)");
  command->add_flag("--ignore-unfixed", args.ignore_unfixed, "Hide findings that have no fixed version");
  command->add_option("--ignore-file", args.ignore_file,
                      "Ignore list: `ID [PACKAGE|PURL] [exp:YYYY-MM-DD] [# reason]` per line (default .customsignore)");
  command->add_option("--vex", args.vex, "OpenVEX or CycloneDX VEX documents; not_affected/fixed statements suppress");
  command->add_option("--db", args.db, "Vulnerability store (default $XDG_CACHE_HOME/customs/db/customs.db)");
  command->add_option("--max-db-age", args.max_age_hours, "Warn when the store is older than HOURS (default 72)");
  command->add_flag("-q,--quiet", args.quiet,
                    "No progress bar and no warnings on stderr (incomplete-scan lines are always printed)");
  command
      ->add_option("--os-owned", args.os_owned,
                   "Language packages whose files an OS package installed (a Debian jar, python3-urllib3): skip "
                   "(default; the distro's advisories judge them, with its backported fixes) or match (also match "
                   "them against their ecosystem's advisories)")
      ->check(CLI::IsMember({"skip", "match"}))
      ->capture_default_str();
  command->add_flag("--include-informational", args.informational,
                    "Also report RustSec informational advisories (unmaintained, unsound), which are no "
                    "vulnerabilities");
  command->add_option("--scanners", args.scanners, "Scanners to run, comma-separated: vuln, secret, config")
      ->capture_default_str();
  command->add_option(
      "--secret-config", args.secret_config,
      "Secret rules to add, disable or allow (YAML: rules, disable, allow_paths; docs/rules/secrets.md)");
  command->add_option("--secret-max-size", args.secret_max_size,
                      "Files larger than BYTES are not scanned for secrets (default 10 MiB)");
  command->add_flag("--secret-scan-binaries", args.secret_scan_binaries, "Scan binary files for secrets too");
  command
      ->add_option("--secret-engine", args.secret_engine,
                   "auto (Hyperscan where the CPU supports it), hyperscan, or re2")
      ->capture_default_str();
  command->add_option("--policy", args.policy,
                      "customs.policy.yaml: judge its controls on the image (no-shell, non-root, no-attacker-tools, "
                      "no-compilers need --scanners with config; vulnerabilities: fail_on, ignore_unfixed, KEV); a "
                      "violated control in enforce mode exits with --exit-code. Verdicts are printed on stderr");
  command->add_option("--usage", args.usage,
                      "Usage record from `customs watch --usage-out`: mark each finding in_use true/false/unknown "
                      "(any file of its package executed or opened by this image's containers) and list in-use "
                      "findings first within each severity");
  command->add_option("--fail-on-in-use", args.fail_on_in_use,
                      "Exit with --exit-code when a finding in use is at or above SEVERITY (needs --usage)");
  command
      ->add_option(
          "--image-name", args.image_names,
          "a name the image is known by, for the policy's image selectors and its usage records (repeatable; a "
          "registry "
          "reference target is one)")
      ->allow_extra_args(false);
  command->add_flag("--allow-incomplete", args.allow_incomplete,
                    "Do not exit 3 when the scan is incomplete (an unreadable package database or layer, an OS or "
                    "ecosystem without advisory data); the report still names what was missed");
  command->footer(
      "Exit codes (README.md \"Exit codes\"):\n"
      "  0  done; nothing at or above the gate\n"
      "  1  findings at or above --fail-on (or the code given with --exit-code)\n"
      "  2  usage error\n"
      "  3  failure (unreadable or hostile input, missing data), or an incomplete scan: something that could hide a\n"
      "     vulnerability was not read (a package database that exists but cannot be read, a layer that could not be\n"
      "     read, an OS or ecosystem without advisory data). Every report format names the reasons, and so does\n"
      "     stderr (--quiet or not). --allow-incomplete exits on the findings alone.");
}

}  // namespace

void AddImageCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ScanArgs>();
  CLI::App* command =
      app.add_subcommand("image", "Scan an image: vulnerable packages, its configuration and secrets (the CI gate)");
  command
      ->add_option("IMAGE", args->target,
                   "docker-archive tar, OCI layout directory, oci-archive tar, or a registry reference "
                   "(registry/repo[:tag][@digest])")
      ->required();
  AddImageSourceFlags(command, args->source);
  AddScanOptions(command, *args);
  command->callback([args, &context] { context.exit_code = RunScan(*args); });
}

void AddAuditCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ScanArgs>();
  args->scanners = "secret,config";
  auto list_rules = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand(
      "audit", "Audit an image: its configuration and contents (root, attacker tools, compilers...) and secrets");
  command->add_option("IMAGE", args->target,
                      "docker-archive tar, OCI layout directory, oci-archive tar, registry reference, or (--rootfs) a "
                      "root filesystem directory");
  command->add_flag("--list-rules", *list_rules,
                    "Print the configuration rules and the built-in secret rules (markdown) and exit");
  command->add_flag("--rootfs", args->rootfs, "Treat a directory as a root filesystem");
  AddImageSourceFlags(command, args->source);
  AddScanOptions(command, *args);
  command->callback([args, list_rules, &context] {
    if (*list_rules) {
      std::fputs(audit::ConfigRulesMarkdown().c_str(), stdout);
      std::fputs(audit::secrets::SecretRulesMarkdown(audit::secrets::DefaultRuleSet()).c_str(), stdout);
      context.exit_code = kExitOk;
      return;
    }
    if (args->target.empty()) {
      context.exit_code = UsageError("audit: IMAGE is required");
      return;
    }
    context.exit_code = RunScan(*args);
  });
}

void AddFsCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ScanArgs>();
  CLI::App* command = app.add_subcommand("fs", "Scan a root filesystem directory (a mounted image, a VM disk, /)");
  command->add_option("DIR", args->target, "root filesystem directory")->required()->check(CLI::ExistingDirectory);
  args->rootfs = true;
  command->add_flag("--no-cache", args->source.no_cache, "Accepted for symmetry: root filesystems are never cached");
  AddScanOptions(command, *args);
  command->callback([args, &context] { context.exit_code = RunScan(*args); });
}

void AddSbomScanCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<ScanArgs>();
  CLI::App* command =
      app.add_subcommand("sbom-scan", "Match a CycloneDX or SPDX JSON SBOM (ours or another tool's) against the store");
  command->add_option("SBOM", args->target, "CycloneDX or SPDX JSON file")->required()->check(CLI::ExistingFile);
  args->from_sbom = true;
  args->scanners = "vuln";
  command->add_flag("--no-cache", args->source.no_cache, "Accepted for symmetry: SBOMs are never cached");
  AddScanOptions(command, *args);
  command->callback([args, &context] { context.exit_code = RunScan(*args); });
}

}  // namespace customs::cli

// `customs watch`: runtime monitoring with the eBPF sensor (or a recorded event file), Falco-compatible rules,
// alerts and, with --enforce, actions.
#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "core/diagnostics.h"
#include "policy/policy.h"
#include "policy/runtime_rules.h"
#include "runtime/actions/actions.h"
#include "runtime/actions/alert.h"
#include "runtime/containers/registry.h"
#include "runtime/rules/fields.h"
#include "runtime/rules/kernel_policy.h"
#include "runtime/rules/network.h"
#include "runtime/rules/rules.h"
#include "runtime/sensor/bpf_source.h"
#include "runtime/sensor/event_source.h"
#include "runtime/usage/usage.h"
#include "runtime/watcher.h"

namespace customs::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) {
  g_stop.store(true);
}

struct WatchArgs {
  std::vector<std::string> rules;
  bool default_rules = false;
  std::string output = "json";
  std::string output_file;
  std::string webhook;
  bool syslog = false;
  bool enforce = false;
  double duration = -1;
  std::string replay;
  std::string record;
  bool stats = false;
  bool include_host = false;
  bool skip_unsupported = false;
  std::vector<std::string> geoip;
  std::string hosts_file;
  double dns_refresh = 60;
  runtime::EngineConfig engines;
  std::vector<std::string> runc_roots;
  std::vector<std::string> policies;
  std::string usage_out;
};

class StderrDiagnostics final : public Diagnostics {
 public:
  void Report(Diagnostic d) override {
    std::fprintf(stderr, "%s: %s: %s\n", DiagnosticLevelName(d.level), d.subject.c_str(), d.message.c_str());
  }
};

void PrintStats(const runtime::WatchStats& stats) {
  std::fprintf(stderr,
               "customs watch: events processed=%llu alerts=%llu actions=%llu | sensor seen=%llu dropped=%llu "
               "filtered=%llu\n",
               static_cast<unsigned long long>(stats.events), static_cast<unsigned long long>(stats.alerts),
               static_cast<unsigned long long>(stats.actions), static_cast<unsigned long long>(stats.source.seen),
               static_cast<unsigned long long>(stats.source.dropped),
               static_cast<unsigned long long>(stats.source.filtered));
}

int RunWatch(const WatchArgs& args) {
  using namespace customs::runtime;
  // Rules.
  LoadOptions load_options;
  load_options.skip_unsupported = args.skip_unsupported;
  RulesLoader loader(load_options);
  if ((args.rules.empty() && args.policies.empty()) || args.default_rules) {
    (void)loader.AddText("<default customs_rules.yaml>", DefaultRulesText());
  }
  // customs.policy.yaml: the same rules `customs policy rules FILE` prints.
  for (const auto& file : args.policies) {
    auto policy_file = policy::LoadPolicy(file);
    if (!policy_file) {
      std::fprintf(stderr, "error: %s\n", policy_file.error().message().c_str());
      return kExitFailure;
    }
    policy::RuleOptions rule_options;
    rule_options.source_name = file;
    (void)loader.AddText("<rules of policy " + file + ">", policy::GenerateRuntimeRules(*policy_file, rule_options));
  }
  for (const auto& file : args.rules) {
    auto status = loader.AddFile(file);
    if (!status && status.error().code() != ErrorCode::kCorrupt) {
      std::fprintf(stderr, "error: %s\n", status.error().message().c_str());
      return kExitFailure;
    }
  }
  LoadReport report;
  RuleSet rules = loader.Finish(&report);
  for (const auto& warning : report.warnings) {
    std::fprintf(stderr, "warning: %s\n", warning.ToString().c_str());
  }
  if (!report.ok()) {
    for (const auto& error : report.errors) {
      std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
    }
    std::fprintf(stderr,
                 "customs watch: %zu rule errors (use --skip-unsupported to skip rules with unsupported "
                 "fields)\n",
                 report.errors.size());
    return kExitFailure;
  }

  // deny_network rules the kernel can check before the connect (--enforce only).
  std::vector<LoadMessage> policy_notes;
  KernelConnectPolicy connect_policy;
  if (args.enforce && args.replay.empty()) {
    connect_policy = KernelConnectPolicy::Compile(rules, &policy_notes);
    for (const auto& note : policy_notes) {
      std::fprintf(stderr, "warning: %s\n", note.ToString().c_str());
    }
  }

  // The country database, when a rule names fd.*.country.
  bool uses_country = rules.UsesField(FieldId::kFdSipCountry) || rules.UsesField(FieldId::kFdRipCountry) ||
                      rules.UsesField(FieldId::kFdCipCountry) || rules.UsesField(FieldId::kFdLipCountry);
  if (uses_country || !args.geoip.empty()) {
    std::vector<std::filesystem::path> files(args.geoip.begin(), args.geoip.end());
    if (files.empty()) {
      files = GeoIpDatabase::DefaultFiles();
    }
    auto db = GeoIpDatabase::Load(files);
    if (!db) {
      std::fprintf(stderr, "error: %s\n", db.error().message().c_str());
      return kExitFailure;
    }
    SetGeoIpDatabase(*db);
  }

  // Domain names in rules (fd.*.name): resolved now, then refreshed on a timer off the event loop.
  std::vector<std::shared_ptr<DomainSet>> domain_sets = rules.domain_sets();
  for (const auto& set : connect_policy.address_sets()) {
    if (set.domains != nullptr) {
      domain_sets.push_back(set.domains);
    }
  }
  std::unique_ptr<DomainRefresher> refresher;
  if (!domain_sets.empty()) {
    NameResolver resolver = args.hosts_file.empty() ? SystemResolver() : HostsFileResolver(args.hosts_file);
    refresher = std::make_unique<DomainRefresher>(
        domain_sets, std::move(resolver), std::chrono::milliseconds(static_cast<int64_t>(args.dns_refresh * 1000)));
  }

  // Source first: the sensor may need a private mount namespace, which requires a single-threaded process.
  StderrDiagnostics diagnostics;
  EngineConfig engines = args.engines;
  if (const char* host = std::getenv("DOCKER_HOST"); host != nullptr &&
                                                     std::string_view(host).rfind("unix://", 0) == 0 &&
                                                     engines.docker_socket == EngineConfig().docker_socket) {
    engines.docker_socket = std::string(host + 7);
  }
  for (const auto& root : args.runc_roots) {
    engines.runc_roots.emplace_back(root);
  }
  ContainerRegistry registry(engines);
  std::unique_ptr<EventSource> source;
  BpfSource* bpf = nullptr;
  if (!args.replay.empty()) {
    auto replay = ReplaySource::Open(args.replay, diagnostics);
    if (!replay) {
      std::fprintf(stderr, "error: %s\n", replay.error().message().c_str());
      return kExitFailure;
    }
    source = std::move(*replay);
  } else {
    BpfOptions options;
    options.event_types = rules.NeededEventTypes();
    if (!args.usage_out.empty()) {
      // Usage records need every exec and open of container processes, whatever the rules ask for.
      for (EventType type :
           {EventType::kExecve, EventType::kExecveat, EventType::kOpen, EventType::kOpenat, EventType::kOpenat2}) {
        options.event_types.set(static_cast<size_t>(type));
      }
    }
    options.include_host = args.include_host;
    if (args.enforce) {
      options.kill_rules = &rules;
      options.connect_policy = &connect_policy;
    }
    auto opened = BpfSource::Open(options, registry, diagnostics);
    if (!opened) {
      std::fprintf(stderr, "error: %s\n", opened.error().message().c_str());
      return kExitFailure;
    }
    bpf = opened->get();
    source = std::move(*opened);
  }
  // Threads only now: the sensor's private mount namespace (tracefs) needs a single-threaded process.
  if (refresher != nullptr) {
    size_t resolved = refresher->Start();
    std::fprintf(stderr, "customs watch: %zu of the domain names in rules resolved%s\n", resolved,
                 args.hosts_file.empty() ? "" : fmt::format(" (from {})", args.hosts_file).c_str());
    if (bpf != nullptr) {
      bpf->RefreshKernelPolicy();  // the resolved addresses into the kernel's deny map before watching starts
    }
  }

  // Sinks.
  AlertFormat format = args.output == "text" ? AlertFormat::kText : AlertFormat::kJson;
  MultiSink sinks;
  if (!args.output_file.empty()) {
    auto file = StreamSink::Open(args.output_file, format);
    if (!file) {
      std::fprintf(stderr, "error: %s\n", file.error().message().c_str());
      return kExitFailure;
    }
    sinks.Add(std::move(*file));
  } else {
    sinks.Add(std::make_unique<StreamSink>(stdout, format));
  }
  if (args.syslog) {
    sinks.Add(std::make_unique<SyslogSink>());
  }
  if (!args.webhook.empty()) {
    sinks.Add(std::make_unique<WebhookSink>(args.webhook));
  }

  FILE* record = nullptr;
  if (!args.record.empty()) {
    record = std::fopen(args.record.c_str(), "w");
    if (record == nullptr) {
      std::fprintf(stderr, "error: cannot write %s\n", args.record.c_str());
      return kExitFailure;
    }
  }
  // --usage-out: the existing record is merged, and rewritten atomically every few seconds and at the end.
  std::unique_ptr<UsageRecorder> usage;
  if (!args.usage_out.empty()) {
    usage = std::make_unique<UsageRecorder>();
    if (auto loaded = usage->Load(args.usage_out); !loaded) {
      std::fprintf(stderr, "error: %s\n", loaded.error().message().c_str());
      return kExitFailure;
    }
  }
  auto last_usage_save = std::chrono::steady_clock::now();
  auto save_usage = [&]() {
    if (auto saved = usage->Save(args.usage_out); !saved) {
      std::fprintf(stderr, "warning: usage record: %s\n", saved.error().message().c_str());
    }
  };
  DryRunExecutor dry_run;
  EnforcingExecutor enforcing(registry, bpf);
  WatchOptions options;
  options.enforce = args.enforce;
  options.duration_ms = args.duration < 0 ? -1 : static_cast<int64_t>(args.duration * 1000);
  options.record = record;
  if (usage != nullptr) {
    options.observe = [&](const Event& event) {
      usage->Observe(event);
      auto now = std::chrono::steady_clock::now();
      if (now - last_usage_save >= std::chrono::seconds(2)) {
        last_usage_save = now;
        save_usage();
      }
    };
  }
  Watcher watcher(rules, *source, sinks,
                  args.enforce ? static_cast<ActionExecutor&>(enforcing) : static_cast<ActionExecutor&>(dry_run),
                  options);
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  if (args.replay.empty()) {
    std::fprintf(stderr, "customs watch: %zu rules, sensor attached%s%s\n", rules.rules().size(),
                 args.enforce ? ", enforcing" : ", dry run (no --enforce)",
                 args.include_host ? ", including host processes" : "");
  }
  auto status = watcher.Run(g_stop);
  if (record != nullptr) {
    std::fclose(record);
  }
  if (usage != nullptr) {
    save_usage();
    std::fprintf(
        stderr, "customs watch: usage record %s: %zu (image, file) pairs%s\n", args.usage_out.c_str(), usage->size(),
        usage->dropped() > 0 ? fmt::format(", {} new pairs dropped (record full)", usage->dropped()).c_str() : "");
  }
  if (args.stats) {
    PrintStats(watcher.stats());
  }
  if (!status) {
    std::fprintf(stderr, "error: %s\n", status.error().message().c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void AddWatchCommand(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<WatchArgs>();
  auto* watch = app.add_subcommand(
      "watch", "Monitor running containers through eBPF with Falco-compatible rules; --enforce acts on matches");
  watch->add_option("--rules", args->rules, "Rule files (replace the built-in rules unless --default-rules)");
  watch->add_flag("--default-rules", args->default_rules, "Load the built-in rules before --policy and --rules files");
  watch
      ->add_option("--policy", args->policies,
                   "customs.policy.yaml: enforce its controls at runtime (the rules `customs policy rules FILE` "
                   "prints); loaded after the built-in rules (with --default-rules) and before --rules files")
      ->allow_extra_args(false);
  watch->add_option("--usage-out", args->usage_out,
                    "Record, per image, the files its containers executed or opened for reading (one line per "
                    "(image, file), merged into FILE and rewritten in place); `customs image --usage FILE` ranks "
                    "findings by it");
  watch->add_option("--output", args->output, "Alert format")->check(CLI::IsMember({"json", "text"}));
  watch->add_option("--output-file", args->output_file, "Append alerts to this file instead of stdout");
  watch->add_option("--webhook", args->webhook, "POST each alert as JSON to this URL (async, with retries)");
  watch->add_flag("--syslog", args->syslog, "Also send alerts to syslog");
  watch->add_flag("--enforce", args->enforce,
                  "Take the rules' actions (kill_process, kill_container, deny_network); default is dry run");
  watch->add_option("--duration", args->duration, "Stop after S seconds");
  watch->add_option("--replay", args->replay, "Read recorded events (JSONL) instead of the kernel sensor");
  watch->add_option("--record", args->record, "Write every event to this JSONL file");
  watch->add_flag("--stats", args->stats, "Print event, drop and filter counters at the end");
  watch->add_flag("--include-host", args->include_host, "Also watch host (non-container) processes");
  watch->add_flag("--skip-unsupported", args->skip_unsupported,
                  "Skip rules that use fields customs does not provide (warn instead of failing)");
  watch->add_option("--geoip", args->geoip,
                    "IP-to-country database for fd.*.country (Tor's geoip format: low,high,CC lines); default: "
                    "Debian's tor-geoipdb (/usr/share/tor/geoip, geoip6)");
  watch->add_option("--hosts-file", args->hosts_file,
                    "Resolve the domain names in rules (fd.sip.name) from this hosts(5) file only, never DNS");
  watch->add_option("--dns-refresh", args->dns_refresh, "Resolve the domain names in rules again every S seconds")
      ->check(CLI::PositiveNumber);
  watch->add_option("--docker-socket", args->engines.docker_socket,
                    "Docker API socket for container names and images (default /var/run/docker.sock, or DOCKER_HOST)");
  watch->add_option("--docker-root", args->engines.docker_root,
                    "Docker data root, read when the API does not answer (default /var/lib/docker)");
  watch->add_option("--podman-socket", args->engines.podman_socket, "Podman API socket (labels); optional");
  watch->add_option("--podman-root", args->engines.podman_root,
                    "Podman storage root with containers.json (default /var/lib/containers/storage)");
  watch->add_option("--containerd-state", args->engines.containerd_state,
                    "containerd state directory with the task bundles (default /run/containerd)");
  watch->add_option("--crio-root", args->engines.crio_root, "CRI-O storage root (default /var/lib/containers/storage)");
  watch->add_option("--runc-root", args->runc_roots, "Another runc state directory to read (repeatable)");
  watch->add_option("--cri-socket", args->engines.cri_sockets,
                    "CRI endpoints asked for pod and container labels (default: containerd's and CRI-O's sockets)");
  watch->add_option("--containerd-socket", args->engines.containerd_socket,
                    "containerd's socket, for the image of containers started outside Kubernetes (ctr run)");
  watch->callback([args, &context] { context.exit_code = RunWatch(*args); });
}

}  // namespace customs::cli

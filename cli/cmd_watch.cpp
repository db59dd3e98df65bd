// `customs watch`: runtime monitoring with the eBPF sensor (or a recorded event file), Falco-compatible rules,
// alerts and, with --enforce, actions.
#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "core/diagnostics.h"
#include "runtime/actions/actions.h"
#include "runtime/actions/alert.h"
#include "runtime/containers/container.h"
#include "runtime/rules/rules.h"
#include "runtime/sensor/bpf_source.h"
#include "runtime/sensor/event_source.h"
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
  if (args.rules.empty() || args.default_rules) {
    (void)loader.AddText("<default customs_rules.yaml>", DefaultRulesText());
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

  // Source first: the sensor may need a private mount namespace, which requires a single-threaded process.
  StderrDiagnostics diagnostics;
  ContainerResolver resolver;
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
    options.include_host = args.include_host;
    if (args.enforce) {
      KernelKillPolicy policy = ComputeKernelKillPolicy(rules);
      options.kill_exec_memfd = policy.memfd;
      options.kill_exec_upper_layer = policy.upper_layer;
    }
    auto opened = BpfSource::Open(options, resolver, diagnostics);
    if (!opened) {
      std::fprintf(stderr, "error: %s\n", opened.error().message().c_str());
      return kExitFailure;
    }
    bpf = opened->get();
    source = std::move(*opened);
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
  DryRunExecutor dry_run;
  EnforcingExecutor enforcing(resolver, bpf);
  WatchOptions options;
  options.enforce = args.enforce;
  options.duration_ms = args.duration < 0 ? -1 : static_cast<int64_t>(args.duration * 1000);
  options.record = record;
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
  watch->add_flag("--default-rules", args->default_rules, "Load the built-in rules before --rules files");
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
  watch->callback([args, &context] { context.exit_code = RunWatch(*args); });
}

}  // namespace customs::cli

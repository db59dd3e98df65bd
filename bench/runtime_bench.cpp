// Rule-engine throughput: events per second through Falco's stable rules (the subset customs supports) plus the
// customs default rules, one core. Events: a recorded mix (customs watch --record) from CUSTOMS_RUNTIME_EVENTS, or
// build/dev/bench-data/mix.jsonl; see docs/benchmarks/runtime.md for how it was recorded.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/event.h"
#include "runtime/rules/rules.h"

namespace {

using namespace customs::runtime;

const RuleSet& Rules() {
  static RuleSet* set = [] {
    LoadOptions options;
    options.skip_unsupported = true;
    RulesLoader loader(options);
    (void)loader.AddFile(std::string(CUSTOMS_SHARED_DATA) + "/falco/falco_rules.yaml");
    (void)loader.AddText("customs_rules.yaml", DefaultRulesText());
    LoadReport report;
    return new RuleSet(loader.Finish(&report));
  }();
  return *set;
}

std::vector<Event> LoadEvents(bool as_container) {
  const char* env = std::getenv("CUSTOMS_RUNTIME_EVENTS");
  std::string path = env ? env : std::string(CUSTOMS_BINARY_DIR) + "/bench-data/mix.jsonl";
  std::ifstream in(path);
  std::vector<Event> events;
  std::string line;
  while (std::getline(in, line)) {
    Event e;
    if (!EventFromJson(line, e)) continue;
    // The recording is of host activity; as_container attributes it to a container so the container-scoped rules
    // evaluate their whole condition (the expensive case).
    if (as_container) e.container_id = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";
    events.push_back(std::move(e));
  }
  return events;
}

void RunMix(benchmark::State& state, bool as_container) {
  const RuleSet& rules = Rules();
  std::vector<Event> events = LoadEvents(as_container);
  if (events.empty()) {
    state.SkipWithError("no recorded events (set CUSTOMS_RUNTIME_EVENTS)");
    return;
  }
  size_t matches_per_pass = 0;
  for (const Event& e : events) matches_per_pass += rules.CountMatches(e);
  size_t matches = 0;
  for (auto _ : state) {
    for (const Event& e : events) matches += rules.CountMatches(e);
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events.size()));
  state.counters["rules"] = static_cast<double>(rules.rules().size());
  state.counters["events"] = static_cast<double>(events.size());
  state.counters["matches_per_pass"] = static_cast<double>(matches_per_pass);
}

void BM_RuleEngineRecordedMixHost(benchmark::State& state) {
  RunMix(state, false);
}
void BM_RuleEngineRecordedMixAsContainer(benchmark::State& state) {
  RunMix(state, true);
}
BENCHMARK(BM_RuleEngineRecordedMixHost)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RuleEngineRecordedMixAsContainer)->Unit(benchmark::kMillisecond);

void BM_LoadFalcoStableRules(benchmark::State& state) {
  for (auto _ : state) {
    LoadOptions options;
    options.skip_unsupported = true;
    RulesLoader loader(options);
    (void)loader.AddFile(std::string(CUSTOMS_SHARED_DATA) + "/falco/falco_rules.yaml");
    LoadReport report;
    RuleSet set = loader.Finish(&report);
    benchmark::DoNotOptimize(set.rules().size());
  }
}
BENCHMARK(BM_LoadFalcoStableRules)->Unit(benchmark::kMillisecond);

}  // namespace

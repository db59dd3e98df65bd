// Hot paths of issue 18: the usage recorder sees every exec and open of every container process (customs watch
// --usage-out), so a known (image, file) pair must cost a hash lookup and no allocation; generating the runtime rules
// of a policy is done once per watch but must stay cheap with an image's whole executable list.
#include <benchmark/benchmark.h>
#include <fcntl.h>

#include <memory>
#include <string>
#include <vector>

#include "policy/policy.h"
#include "policy/runtime_rules.h"
#include "runtime/usage/usage.h"

namespace {

using namespace customs;

std::vector<runtime::Event> OpenEvents(int files) {
  auto meta = std::make_shared<runtime::ContainerMetadata>();
  meta->image = "registry:5000/app:1";
  meta->image_id = "sha256:" + std::string(64, 'a');
  std::vector<runtime::Event> events(files);
  for (int i = 0; i < files; ++i) {
    runtime::Event& e = events[i];
    e.type = runtime::EventType::kOpenat;
    e.container_id = std::string(64, 'b');
    e.container = meta;
    e.path = "/usr/lib/x86_64-linux-gnu/libexample-" + std::to_string(i) + ".so.1";
    e.flags = O_RDONLY | O_CLOEXEC;
    e.fd_kind = runtime::FdKind::kFile;
  }
  return events;
}

// Steady state: every pair already recorded (what a long-running container's opens are).
void BM_UsageObserveKnownPair(benchmark::State& state) {
  auto events = OpenEvents(static_cast<int>(state.range(0)));
  runtime::UsageRecorder recorder;
  for (const auto& e : events) recorder.Observe(e);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(recorder.Observe(events[i]));
    if (++i == events.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UsageObserveKnownPair)->Arg(1000)->Arg(100000);

void BM_GenerateRulesForImage(benchmark::State& state) {
  auto file = policy::ParsePolicy(
      "policies:\n  - name: app\n    match: {images: [\"registry:5000/app*\"]}\n    controls:\n"
      "      no-shell: enforce\n      immutable: enforce\n      non-root: enforce\n",
      "bench.yaml");
  if (!file) {
    state.SkipWithError(file.error().message().c_str());
    return;
  }
  policy::RuntimeImage image;
  image.names = {"registry:5000/app:1"};
  for (int i = 0; i < state.range(0); ++i) image.executables.push_back("/usr/bin/tool-" + std::to_string(i));
  policy::RuleOptions options;
  options.image = &image;
  for (auto _ : state) benchmark::DoNotOptimize(policy::GenerateRuntimeRules(*file, options));
}
BENCHMARK(BM_GenerateRulesForImage)->Arg(2000)->Unit(benchmark::kMillisecond);

}  // namespace

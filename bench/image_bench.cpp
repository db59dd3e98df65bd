// Layer walking throughput on the real bookworm test image (scripts/testimages.sh): open, decompress, parse the
// tars and apply whiteouts, keeping the dpkg database files. Set CUSTOMS_TESTIMAGES to the images directory.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "core/diagnostics.h"
#include "image/layer_walker.h"
#include "image/local_sources.h"

namespace {

std::string ImagePath(const char* name) {
  const char* dir = std::getenv("CUSTOMS_TESTIMAGES");
  return std::string(dir ? dir : "build/release/testimages") + "/bookworm/" + name;
}

void WalkImage(benchmark::State& state, const char* name) {
  customs::PathFilter filter;
  filter.wants_content = [](std::string_view path) { return path.starts_with("/var/lib/dpkg/"); };
  filter.wants_history = [](std::string_view path) { return path == "/var/lib/dpkg/status"; };
  for (auto _ : state) {
    customs::NullDiagnostics diagnostics;
    auto source = customs::image::OpenLocalImage(ImagePath(name), {}, diagnostics);
    if (!source) {
      state.SkipWithError(source.error().ToString().c_str());
      return;
    }
    auto config = customs::image::ParseImageConfig((*source)->ConfigJson());
    customs::image::WalkOptions options;
    options.threads = static_cast<unsigned>(state.range(0));
    options.pipeline = state.range(1) != 0;
    auto tree = customs::image::WalkLayers(**source, *config, filter, diagnostics, options);
    if (!tree) {
      state.SkipWithError(tree.error().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(tree->entries().size());
  }
}

BENCHMARK_CAPTURE(WalkImage, oci_layout, "oci")
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(WalkImage, docker_archive, "docker-archive.tar")
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

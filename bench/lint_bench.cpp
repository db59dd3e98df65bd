// Google Benchmark for the lint hot path: parse and lint every Dockerfile of the shared corpus.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "core/file_util.h"
#include "lint/dockerfile/parser.h"
#include "lint/linter.h"

namespace {

std::vector<std::string> LoadCorpus() {
  std::vector<std::string> files;
  const std::filesystem::path dir = std::filesystem::path(CUSTOMS_SHARED_DATA) / "dockerfiles" / "corpus";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename() == "MANIFEST.md") continue;
    if (auto content = customs::ReadFile(entry.path())) files.push_back(std::move(*content));
  }
  return files;
}

void BM_ParseCorpus(benchmark::State& state) {
  const auto files = LoadCorpus();
  if (files.empty()) state.SkipWithError("shared corpus absent");
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (const auto& f : files) {
      auto parsed = customs::lint::ParseDockerfile(f);
      benchmark::DoNotOptimize(parsed);
      bytes += f.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ParseCorpus);

void BM_LintCorpus(benchmark::State& state) {
  const auto files = LoadCorpus();
  if (files.empty()) state.SkipWithError("shared corpus absent");
  const customs::lint::LintConfig config;
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (const auto& f : files) {
      auto report = customs::lint::LintContent(f, "Dockerfile", config);
      benchmark::DoNotOptimize(report);
      bytes += f.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_LintCorpus);

}  // namespace

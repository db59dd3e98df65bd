// Throughput of the binary-content catalogers' streaming parsers over real artifacts (scripts/testimages.sh builds
// them in OUT/lang-binary/artifacts), pushed in 64 KiB chunks as the layer walker does. MB/s = input bytes per second.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "catalog/lang/go.h"
#include "catalog/lang/java.h"
#include "catalog/lang/rust_binary.h"

namespace {

std::filesystem::path Artifacts() {
  if (const char* dir = std::getenv("CUSTOMS_TESTIMAGES"); dir && *dir) {
    return std::filesystem::path(dir) / "lang-binary" / "artifacts";
  }
  return std::filesystem::path(CUSTOMS_BINARY_DIR) / "testimages" / "lang-binary" / "artifacts";
}

const std::string& Load(const std::string& relative) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(relative);
  if (it != cache.end()) return it->second;
  std::ifstream in(Artifacts() / relative, std::ios::binary);
  return cache[relative] = std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

constexpr std::size_t kChunk = 64 * 1024;

template <class F>
void Chunks(const std::string& data, F&& feed) {
  for (std::size_t at = 0; at < data.size(); at += kChunk) feed(std::string_view(data).substr(at, kChunk));
}

void BM_JarAnalyzer(benchmark::State& state, const std::string& file) {
  const std::string& data = Load(file);
  if (data.empty()) {
    state.SkipWithError(("missing " + file + " (run scripts/testimages.sh)").c_str());
    return;
  }
  std::size_t packages = 0;
  for (auto _ : state) {
    customs::NullDiagnostics diagnostics;
    customs::catalog::lang::JarAnalyzer analyzer("/app/x.jar", data.size(), diagnostics);
    Chunks(data, [&](std::string_view chunk) { analyzer.Data(chunk); });
    packages = analyzer.Finish().size();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
  state.counters["packages"] = static_cast<double>(packages);
}

void BM_GoBuildInfo(benchmark::State& state, const std::string& file) {
  const std::string& data = Load(file);
  if (data.empty()) {
    state.SkipWithError(("missing " + file + " (run scripts/testimages.sh)").c_str());
    return;
  }
  std::size_t modules = 0;
  for (auto _ : state) {
    customs::catalog::lang::GoBuildInfoScanner scanner;
    Chunks(data, [&](std::string_view chunk) { scanner.Feed(chunk); });
    auto info = scanner.Finish();
    modules = info ? info->deps.size() : 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
  state.counters["deps"] = static_cast<double>(modules);
}

void BM_DepV0(benchmark::State& state, const std::string& file) {
  const std::string& data = Load(file);
  if (data.empty()) {
    state.SkipWithError(("missing " + file + " (run scripts/testimages.sh)").c_str());
    return;
  }
  for (auto _ : state) {
    customs::catalog::lang::DepV0Scanner scanner;
    Chunks(data, [&](std::string_view chunk) { scanner.Feed(chunk); });
    benchmark::DoNotOptimize(scanner.Finish());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}

BENCHMARK_CAPTURE(BM_JarAnalyzer, fat_jar_jar_tool, std::string("java/built/demo-app-0.0.1-SNAPSHOT.jar"));
BENCHMARK_CAPTURE(BM_JarAnalyzer, war_zip, std::string("java/built/app.war"));
BENCHMARK_CAPTURE(BM_JarAnalyzer, log4j_core_debian, std::string("java/debian/log4j-core.jar"));
BENCHMARK_CAPTURE(BM_JarAnalyzer, streamed_deflated, std::string("java/built/streamed-deflated.jar"));
BENCHMARK_CAPTURE(BM_GoBuildInfo, inline_buf_36MB, std::string("go/buf-1.28.1"));
BENCHMARK_CAPTURE(BM_GoBuildInfo, pointer_esbuild_0_12, std::string("go/esbuild-0.12.0"));
BENCHMARK_CAPTURE(BM_GoBuildInfo, not_go_ripgrep, std::string("rust/rg-plain"));
BENCHMARK_CAPTURE(BM_DepV0, auditable_ripgrep, std::string("rust/rg-auditable"));
BENCHMARK_CAPTURE(BM_DepV0, go_buf_36MB, std::string("go/buf-1.28.1"));

}  // namespace

BENCHMARK_MAIN();

// Catalog hot paths on real databases: the host's dpkg status (+ info/*.list), and the shared rpm fixtures in each
// format. Benchmarks whose input is absent are skipped with a message.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "catalog/cataloger.h"
#include "catalog/dpkg/dpkg.h"
#include "catalog/rpm/rpmdb.h"

namespace {

std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void Put(customs::FileTree& tree, const std::string& path, std::string content) {
  customs::FileNode node;
  node.content = std::make_shared<const std::string>(std::move(content));
  tree.Put(path, std::move(node));
}

void BM_DpkgParseHostStatus(benchmark::State& state) {
  std::string status = Slurp("/var/lib/dpkg/status");
  if (status.empty()) {
    return state.SkipWithError("no /var/lib/dpkg/status");
  }
  customs::NullDiagnostics diagnostics;
  for (auto _ : state) {
    auto records = customs::catalog::dpkg::ParseStatus(status, false, "/var/lib/dpkg/status", diagnostics);
    benchmark::DoNotOptimize(records);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * status.size()));
}
BENCHMARK(BM_DpkgParseHostStatus)->Unit(benchmark::kMillisecond);

void BM_DpkgCatalogHostWithFileLists(benchmark::State& state) {
  customs::FileTree tree;
  Put(tree, "/var/lib/dpkg/status", Slurp("/var/lib/dpkg/status"));
  for (const auto& entry : std::filesystem::directory_iterator("/var/lib/dpkg/info")) {
    if (entry.path().extension() == ".list") {
      Put(tree, "/var/lib/dpkg/info/" + entry.path().filename().string(), Slurp(entry.path()));
    }
  }
  customs::catalog::dpkg::DpkgCataloger cataloger;
  customs::NullDiagnostics diagnostics;
  std::size_t packages = 0;
  for (auto _ : state) {
    auto result = cataloger.Catalog(tree, customs::catalog::OsInfo{}, diagnostics);
    packages = result.size();
    benchmark::DoNotOptimize(result);
  }
  state.counters["packages"] = static_cast<double>(packages);
}
BENCHMARK(BM_DpkgCatalogHostWithFileLists)->Unit(benchmark::kMillisecond);

void RpmCatalog(benchmark::State& state, const char* fixture, const char* image_path) {
  std::filesystem::path path = std::filesystem::path(CUSTOMS_SHARED_DATA) / "pkgdb" / fixture;
  if (!std::filesystem::exists(path)) {
    return state.SkipWithError("shared fixture absent");
  }
  customs::FileTree tree;
  Put(tree, image_path, Slurp(path));
  customs::catalog::rpm::RpmCataloger cataloger;
  customs::NullDiagnostics diagnostics;
  std::size_t packages = 0;
  for (auto _ : state) {
    auto result = cataloger.Catalog(tree, customs::catalog::OsInfo{}, diagnostics);
    packages = result.size();
    benchmark::DoNotOptimize(result);
  }
  state.counters["packages"] = static_cast<double>(packages);
}
BENCHMARK_CAPTURE(RpmCatalog, sqlite_mariner, "go-rpmdb/pkg/testdata/cbl-mariner-2.0/rpmdb.sqlite",
                  "/var/lib/rpm/rpmdb.sqlite")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RpmCatalog, ndb_sle15, "go-rpmdb/pkg/testdata/sle15-bci/Packages.db", "/var/lib/rpm/Packages.db")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RpmCatalog, bdb_libuuid, "go-rpmdb/pkg/testdata/libuuid/Packages", "/var/lib/rpm/Packages")
    ->Unit(benchmark::kMillisecond);

}  // namespace

// vulndb hot paths: (ecosystem, package) lookups on a store built from ../shared/data/vulndata, and CVSS scoring.
// The store is built once (about 3 s) into a temporary directory before the first benchmark.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <set>

#include "core/file_util.h"
#include "vulndb/cvss.h"
#include "vulndb/importer.h"
#include "vulndb/store.h"

namespace customs::vulndb {
namespace {

const std::filesystem::path kData = std::filesystem::path(CUSTOMS_SHARED_DATA) / "vulndata";

struct Fixture {
  std::optional<TempDir> dir;
  std::unique_ptr<Store> store;
  std::vector<std::pair<std::string, std::string>> keys;  // 1,000 (ecosystem, package) keys
  std::string error;
};

Fixture& Shared() {
  static Fixture fixture = [] {
    Fixture f;
    auto dir = TempDir::Create("vulndb-bench");
    if (!dir) {
      f.error = dir.error().ToString();
      return f;
    }
    f.dir.emplace(std::move(*dir));
    std::filesystem::path db = f.dir->path() / "customs.db";
    NullDiagnostics diagnostics;
    auto info = ImportFeeds({kData}, {db, std::chrono::seconds(5)}, diagnostics);
    if (!info) {
      f.error = info.error().ToString();
      return f;
    }
    f.store = std::move(*Store::Open(db));
    // Keys: every distinct (ecosystem, package) the feeds name, sampled to 1,000 with a fixed seed, 10% misses.
    std::set<std::pair<std::string, std::string>> all;
    for (const char* input : {"debian/bookworm-derived-tracker-json", "osv", "alpine"}) {
      auto batch = ReadFeedInput(kData / input, diagnostics);
      if (!batch) {
        continue;
      }
      for (const auto& r : batch->records) {
        for (const auto& a : r.affected) {
          all.emplace(a.ecosystem, a.package);
        }
      }
    }
    std::vector<std::pair<std::string, std::string>> pool(all.begin(), all.end());
    std::mt19937 random(42);
    std::shuffle(pool.begin(), pool.end(), random);
    pool.resize(std::min<std::size_t>(pool.size(), 900));
    for (int i = 0; i < 100; ++i) {
      pool.emplace_back("debian:12", "no-such-package-" + std::to_string(i));
    }
    f.keys = std::move(pool);
    return f;
  }();
  return fixture;
}

void BM_FindAffected1000Keys(benchmark::State& state) {
  Fixture& f = Shared();
  if (!f.store) {
    state.SkipWithError(f.error.empty() ? "no store" : f.error.c_str());
    return;
  }
  std::size_t rows = 0;
  for (auto _ : state) {
    rows = 0;
    for (const auto& [ecosystem, package] : f.keys) {
      auto found = f.store->FindAffected(ecosystem, package);
      rows += found ? found->size() : 0;
    }
    benchmark::DoNotOptimize(rows);
  }
  state.counters["keys"] = static_cast<double>(f.keys.size());
  state.counters["rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_FindAffected1000Keys)->Unit(benchmark::kMillisecond);

void BM_GetVulnerability(benchmark::State& state) {
  Fixture& f = Shared();
  if (!f.store) {
    state.SkipWithError("no store");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.store->GetVulnerability("GO-2020-0001"));
  }
}
BENCHMARK(BM_GetVulnerability)->Unit(benchmark::kMicrosecond);

void BM_CvssV31(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(CvssBaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
  }
}
BENCHMARK(BM_CvssV31);

void BM_CvssV40(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(CvssBaseScore("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N"));
  }
}
BENCHMARK(BM_CvssV40);

}  // namespace
}  // namespace customs::vulndb

// Comparisons per second per scheme on typical versions (items_per_second = comparisons/s).
#include <benchmark/benchmark.h>

#include <array>
#include <string_view>
#include <utility>

#include "version/version.h"

namespace {

using customs::version::Scheme;
using Pair = std::pair<std::string_view, std::string_view>;

template <size_t N>
void RunPairs(benchmark::State& state, Scheme scheme, const std::array<Pair, N>& pairs) {
  int64_t sink = 0;
  for (auto _ : state) {
    for (const auto& [a, b] : pairs) {
      auto r = customs::version::Compare(scheme, a, b);
      sink += r ? *r : 7;
    }
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(N));
}

constexpr std::array<Pair, 8> kDeb = {{{"2.36-9+deb12u4", "2.36-9+deb12u10"},
                                       {"1:1.2.13.dfsg-1", "1:1.2.13.dfsg-1"},
                                       {"3.0.11-1~deb12u2", "3.0.11-1"},
                                       {"7.88.1-10+deb12u5", "7.88.1-10+deb12u8"},
                                       {"1.1.1n-0+deb11u5", "3.0.13-1~deb12u1"},
                                       {"2.9.14+dfsg-1.3~deb12u1", "2.9.14+dfsg-1.3"},
                                       {"252.22-1~deb12u1", "252.26-1~deb12u2"},
                                       {"1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3"}}};
constexpr std::array<Pair, 6> kRpm = {{{"0:3.0.7-27.el9", "0:3.0.7-28.el9_4"},
                                       {"2.34-100.el9_4.2", "2.34-100.el9_4.4"},
                                       {"1:1.1.1k-12.el8_9", "1:1.1.1k-14.el8_6"},
                                       {"7.76.1-29.el9_4", "7.76.1-29.el9_4.1"},
                                       {"5.1.8-6.el9~rc1", "5.1.8-6.el9"},
                                       {"1.0^git20230101.abc", "1.0"}}};
constexpr std::array<Pair, 6> kApk = {{{"3.1.4-r5", "3.1.4-r6"},
                                       {"1.36.1-r15", "1.36.1-r20"},
                                       {"8.5.0-r0", "8.7.1-r0"},
                                       {"2.12.6_alpha1-r0", "2.12.6-r0"},
                                       {"1.2.13-r1", "1.2.13_p1-r0"},
                                       {"3.0.12-r1", "3.0.12-r1"}}};
constexpr std::array<Pair, 6> kSemver = {{{"1.2.3", "1.2.4"},
                                          {"0.10.0-rc.1", "0.10.0"},
                                          {"4.17.21", "4.17.20"},
                                          {"1.0.0-alpha.beta", "1.0.0-alpha.1"},
                                          {"2.0.0+build.5", "2.0.0"},
                                          {"10.2.0", "9.99.99"}}};
constexpr std::array<Pair, 6> kGo = {{{"v1.2.3", "v1.2.4"},
                                      {"v0.0.0-20210101000000-abcdef123456", "v0.1.0"},
                                      {"v2.0.0+incompatible", "v2.1.0+incompatible"},
                                      {"1.21.5", "1.22.0"},
                                      {"go1.21rc2", "go1.21.0"},
                                      {"v0.17.0", "v0.23.0"}}};
constexpr std::array<Pair, 6> kPep440 = {{{"1.0", "1.0.post1"},
                                          {"2.31.0", "2.32.3"},
                                          {"1.0a1", "1.0b2"},
                                          {"1!1.0", "2.0"},
                                          {"3.2.19", "3.2.20.dev0"},
                                          {"1.0+local.1", "1.0"}}};
constexpr std::array<Pair, 6> kMaven = {{{"1.0-SNAPSHOT", "1.0"},
                                         {"2.14.0", "2.14.1"},
                                         {"5.3.20.RELEASE", "5.3.21.RELEASE"},
                                         {"1.0-alpha-1", "1.0-beta-1"},
                                         {"31.1-jre", "32.0.0-jre"},
                                         {"9.4.51.v20230217", "9.4.52.v20230823"}}};
constexpr std::array<Pair, 6> kGem = {{{"1.13.10", "1.14.0"},
                                       {"7.0.4.2", "7.0.4.3"},
                                       {"1.0.0.rc1", "1.0.0"},
                                       {"2.2.3", "2.2.3"},
                                       {"6.1.7.8", "7.0.8.1"},
                                       {"1.0.0-beta2", "1.0.0.beta10"}}};

void BM_Deb(benchmark::State& s) {
  RunPairs(s, Scheme::kDeb, kDeb);
}
void BM_Rpm(benchmark::State& s) {
  RunPairs(s, Scheme::kRpm, kRpm);
}
void BM_Apk(benchmark::State& s) {
  RunPairs(s, Scheme::kApk, kApk);
}
void BM_Semver(benchmark::State& s) {
  RunPairs(s, Scheme::kSemver, kSemver);
}
void BM_Go(benchmark::State& s) {
  RunPairs(s, Scheme::kGo, kGo);
}
void BM_Pep440(benchmark::State& s) {
  RunPairs(s, Scheme::kPep440, kPep440);
}
void BM_Maven(benchmark::State& s) {
  RunPairs(s, Scheme::kMaven, kMaven);
}
void BM_Gem(benchmark::State& s) {
  RunPairs(s, Scheme::kGem, kGem);
}
BENCHMARK(BM_Deb);
BENCHMARK(BM_Rpm);
BENCHMARK(BM_Apk);
BENCHMARK(BM_Semver);
BENCHMARK(BM_Go);
BENCHMARK(BM_Pep440);
BENCHMARK(BM_Maven);
BENCHMARK(BM_Gem);

}  // namespace

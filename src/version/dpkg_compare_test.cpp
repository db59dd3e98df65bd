// The interim dpkg comparator against the real `dpkg --compare-versions` on this machine, over hand-picked hard cases
// and generated ones (epochs, '~', letters vs digits, leading zeros, digit runs beyond 64 bits).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "version/version.h"

namespace customs::version {
namespace {

int Dpkg(const std::string& a, const std::string& b) {
  auto run = [&](const char* op) {
    std::string cmd = "dpkg --compare-versions '" + a + "' " + op + " '" + b + "' 2>/dev/null";
    int status = std::system(cmd.c_str());
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  };
  if (run("lt")) return -1;
  if (run("eq")) return 0;
  return 1;
}

TEST(DpkgCompareTest, AgreesWithDpkg) {
  if (std::system("command -v dpkg >/dev/null 2>&1") != 0) GTEST_SKIP() << "dpkg not installed";
  std::vector<std::pair<std::string, std::string>> pairs = {
      {"1.0", "1.0"},         {"1.0~rc1", "1.0"},        {"1.0", "1.0+b1"},       {"1:1.0", "2.0"},
      {"1.0-1", "1.0-1~bpo"}, {"2.36-9+deb12u7", "2.36-9+deb12u14"},              {"1.0a", "1.0+"},
      {"1.01", "1.1"},        {"1.0.0", "1.0"},          {"5.2.15-2", "5.2.15-2+b13"}, {"0:1.0", "1.0"},
      {"1.0~~", "1.0~"},      {"99999999999999999999999", "99999999999999999999998"}, {"1.0-a", "1.0-A"},
      {"7.88.1-10+deb12u5", "7.88.1-10+deb12u15"},        {"3.0.17-1~deb12u2", "3.0.20-1~deb12u2"},
  };
  std::mt19937 rng(12345);
  const char* atoms[] = {"0", "1", "9", "10", "007", "a", "Z", "~", "+", ".", "rc", "~rc", "123456789012345678901"};
  for (int i = 0; i < 200; ++i) {
    auto gen = [&] {
      std::string v = std::to_string(rng() % 3);
      int n = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < n; ++k) v += atoms[rng() % (sizeof atoms / sizeof *atoms)];
      if (rng() % 3 == 0) v = std::to_string(rng() % 3) + ":" + v;
      if (rng() % 2 == 0) v += "-" + std::to_string(rng() % 5) + (rng() % 2 ? "~b" : "+b1");
      return v;
    };
    pairs.emplace_back(gen(), gen());
  }
  int checked = 0;
  for (const auto& [a, b] : pairs) {
    auto ours = Compare(Scheme::kDeb, a, b);
    if (!ours) continue;  // we reject: checked by the next test
    int want = Dpkg(a, b);
    int got = *ours < 0 ? -1 : *ours > 0 ? 1 : 0;
    EXPECT_EQ(got, want) << a << " vs " << b;
    ++checked;
  }
  EXPECT_GT(checked, 150);
}

TEST(DpkgCompareTest, RejectsWhatDpkgRejects) {
  for (const char* bad : {"", "abc", "1.0-", ":1.0", "1.0 2", "x:1.0"}) {
    EXPECT_FALSE(Compare(Scheme::kDeb, bad, "1.0")) << bad;
  }
}

}  // namespace
}  // namespace customs::version

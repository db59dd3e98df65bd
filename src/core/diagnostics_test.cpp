#include "core/diagnostics.h"

#include <gtest/gtest.h>

#include <thread>

namespace customs {
namespace {

TEST(BoundedDiagnosticsTest, KeepsTheFirstOfEachKindAndCountsTheRest) {
  DiagnosticsCollector collector;
  {
    BoundedDiagnostics bounded(collector, 3);
    for (int i = 0; i < 10; ++i) bounded.Info("catalog/dpkg", "/var/lib/dpkg/status", "duplicate " + std::to_string(i));
    bounded.Warn("catalog/dpkg", "/var/lib/dpkg/status", "a warning is another kind");
    for (int i = 0; i < 5; ++i) bounded.Incomplete("catalog/rpm", "db", "unreadable");
  }  // the destructor reports the summaries
  std::vector<Diagnostic> items = collector.Take();
  ASSERT_EQ(items.size(), 3u + 1u + 3u + 2u);
  EXPECT_EQ(items[2].message, "duplicate 2");
  // One summary per kind that went over, of the same level: an incomplete scan stays incomplete.
  EXPECT_EQ(items[7].level, DiagnosticLevel::kInfo);
  EXPECT_EQ(items[7].message, "7 more info diagnostics from catalog/dpkg were left out (the first 3 are listed)");
  EXPECT_EQ(items[8].level, DiagnosticLevel::kIncomplete);
  EXPECT_NE(items[8].message.find("2 more incomplete"), std::string::npos);
  EXPECT_TRUE(AnyIncomplete(items));
}

TEST(BoundedDiagnosticsTest, FinishTwiceSummarisesOnlyWhatIsNew) {
  DiagnosticsCollector collector;
  BoundedDiagnostics bounded(collector, 1);
  bounded.Warn("a", "x", "1");
  bounded.Warn("a", "x", "2");
  bounded.Finish();
  bounded.Finish();
  EXPECT_EQ(collector.Snapshot().size(), 2u);
  bounded.Warn("a", "x", "3");
  bounded.Finish();
  auto items = collector.Take();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_TRUE(items[2].message.starts_with("1 more warning"));
}

TEST(BoundedDiagnosticsTest, ThreadSafe) {
  DiagnosticsCollector collector;
  BoundedDiagnostics bounded(collector, 50);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) bounded.Warn("w", "s", "m");
    });
  }
  for (auto& thread : threads) thread.join();
  bounded.Finish();
  auto items = collector.Take();
  ASSERT_EQ(items.size(), 51u);
  EXPECT_TRUE(items.back().message.starts_with("3950 more warning"));
}

}  // namespace
}  // namespace customs

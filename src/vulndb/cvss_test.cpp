#include "vulndb/cvss.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/file_util.h"

namespace customs::vulndb {
namespace {

const std::filesystem::path kData = std::filesystem::path(CUSTOMS_SHARED_DATA) / "vulndata";

// Every vector in the NVD API page must score exactly what NVD printed beside it.
TEST(CvssTest, NvdPrintedScoresMatchComputedScores) {
  std::filesystem::path page = kData / "nvd" / "full-page.json";
  if (!std::filesystem::exists(page)) {
    GTEST_SKIP() << "shared data absent: " << page;
  }
  auto text = ReadFile(page);
  ASSERT_TRUE(text) << text.error().ToString();
  auto doc = nlohmann::json::parse(*text);
  int checked = 0;
  for (const auto& item : doc["vulnerabilities"]) {
    for (const auto& [key, list] : item["cve"]["metrics"].items()) {
      for (const auto& metric : list) {
        std::string vector = metric["cvssData"]["vectorString"];
        double printed = metric["cvssData"]["baseScore"];
        auto score = CvssBaseScore(vector);
        ASSERT_TRUE(score) << vector << ": " << score.error().ToString();
        EXPECT_DOUBLE_EQ(*score, printed) << item["cve"]["id"] << " " << vector;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 30);
}

struct Example {
  const char* vector;
  double score;
};

// CVSS v2 Complete Guide s3.3 worked examples.
TEST(CvssTest, V2GuideExamples) {
  for (const Example& e : {Example{"AV:N/AC:L/Au:N/C:N/I:N/A:C", 7.8}, Example{"AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0},
                           Example{"AV:L/AC:H/Au:N/C:C/I:C/A:C", 6.2}, Example{"(AV:N/AC:M/Au:N/C:N/I:P/A:N)", 4.3},
                           Example{"AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F/RL:OF/RC:C", 7.5}}) {
    auto score = CvssBaseScore(e.vector);
    ASSERT_TRUE(score) << e.vector;
    EXPECT_DOUBLE_EQ(*score, e.score) << e.vector;
    EXPECT_EQ(*CvssVersionOf(e.vector), "2.0");
  }
}

// CVSS v3.0 Specification s8 (examples document) scores.
TEST(CvssTest, V30SpecificationExamples) {
  for (const Example& e : {Example{"CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},
                           Example{"CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1},
                           Example{"CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4},
                           Example{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
                           Example{"CVSS:3.0/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0}}) {
    auto score = CvssBaseScore(e.vector);
    ASSERT_TRUE(score) << e.vector;
    EXPECT_DOUBLE_EQ(*score, e.score) << e.vector;
  }
}

// Scores published for these vectors by FIRST's calculator and in advisories (CVE-2024-7657, CVE-2025-6829).
TEST(CvssTest, V40PublishedScores) {
  for (const Example& e : {Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0},
                           Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3},
                           Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 6.9},
                           Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", 5.3},
                           Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N/E:X", 5.3},
                           Example{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0}}) {
    auto score = CvssBaseScore(e.vector);
    ASSERT_TRUE(score) << e.vector << ": " << score.error().ToString();
    EXPECT_DOUBLE_EQ(*score, e.score) << e.vector;
  }
}

TEST(CvssTest, MalformedVectorsAreErrors) {
  for (const char* bad :
       {"", "CVSS:3.1/", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:4.0/AV:N/AC:L", "CVSS:9.9/AV:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/ZZ:1", "AV:N/AC:L"}) {
    EXPECT_FALSE(CvssBaseScore(bad)) << bad;
  }
}

TEST(CvssTest, SeverityBands) {
  EXPECT_EQ(CvssSeverity(9.8, "3.1"), Severity::kCritical);
  EXPECT_EQ(CvssSeverity(10.0, "2.0"), Severity::kHigh);
  EXPECT_EQ(CvssSeverity(0.0, "3.1"), Severity::kNegligible);
  EXPECT_EQ(CvssSeverity(4.0, "4.0"), Severity::kMedium);
}

}  // namespace
}  // namespace customs::vulndb

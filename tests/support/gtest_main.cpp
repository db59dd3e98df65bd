// The main() of every customs gtest executable. A skip is never a silent pass:
//  - every skipped test is printed as "  SKIPPED Suite.Name: reason", which scripts/test-summary.sh counts in CTest's
//    log and lists at the end of `make test`;
//  - under CUSTOMS_REQUIRE_ALL=1 (CI) a skip fails the executable;
//  - an executable whose every test skipped exits 77, which CTest reports as "Skipped" (SKIP_RETURN_CODE).
#include <gtest/gtest.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Skip {
  std::string name;
  std::string reason;
};

class SkipRecorder : public testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const testing::TestInfo& info) override {
    ++ran_;
    const testing::TestResult* result = info.result();
    if (!result->Skipped()) return;
    std::string reason;
    for (int i = 0; i < result->total_part_count(); ++i) {
      const testing::TestPartResult& part = result->GetTestPartResult(i);
      if (part.skipped() && part.message() != nullptr) reason = part.message();
    }
    // Keep one line: the reason up to its first newline.
    if (auto nl = reason.find('\n'); nl != std::string::npos) reason.resize(nl);
    if (reason.empty()) reason = "(no reason given)";
    skips_.push_back({std::string(info.test_suite_name()) + "." + info.name(), reason});
  }

  const std::vector<Skip>& skips() const { return skips_; }
  int ran() const { return ran_; }

 private:
  std::vector<Skip> skips_;
  int ran_ = 0;
};

bool RequireAll() {
  const char* value = std::getenv("CUSTOMS_REQUIRE_ALL");
  return value != nullptr && std::string(value) == "1";
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  std::setlocale(LC_CTYPE, "C.UTF-8");  // as cli/main.cpp: image file names are read as UTF-8 bytes
  auto* recorder = new SkipRecorder;    // owned by gtest's listener list
  testing::UnitTest::GetInstance()->listeners().Append(recorder);
  int rc = RUN_ALL_TESTS();
  const auto& skips = recorder->skips();
  if (skips.empty()) return rc;

  std::string executable = argc > 0 ? argv[0] : "test";
  if (auto slash = executable.rfind('/'); slash != std::string::npos) executable = executable.substr(slash + 1);
  std::printf("customs-skips: %zu test(s) of %s skipped:\n", skips.size(), executable.c_str());
  for (const auto& skip : skips) std::printf("  SKIPPED %s: %s\n", skip.name.c_str(), skip.reason.c_str());
  if (rc != 0) return rc;
  if (RequireAll()) {
    std::printf("customs-skips: CUSTOMS_REQUIRE_ALL=1: a skipped test is a failure\n");
    return 1;
  }
  // Every test skipped: let CTest say "Skipped" rather than "Passed".
  if (static_cast<int>(skips.size()) == recorder->ran()) return 77;
  return 0;
}

// Fuzzes every report writer (scan: table, json, sarif, cyclonedx, junit, markdown; sbom: table, json, cyclonedx,
// spdx) with hostile strings: the input, split at 0x1e bytes, fills every string field of a report in turn. Each
// output is read back by an independent parser (nlohmann, expat) or checked for terminal-safe UTF-8; a problem aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "report/testing/output_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> strings(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0x1e) {
      strings.emplace_back();
    } else {
      strings.back().push_back(static_cast<char>(data[i]));
    }
  }
  const std::string problem = customs::report::testing::CheckEveryFormat(
      customs::report::testing::ReportFromStrings(strings, 1 + strings.size() % 5));
  if (!problem.empty()) {
    std::fprintf(stderr, "report_writers: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}

// Fuzz target: CVSS vector parsing and scoring (all versions). Scores must stay within 0..10.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vulndb/cvss.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto score = customs::vulndb::CvssBaseScore(input);
  if (score && (*score < 0 || *score > 10)) {
    std::abort();
  }
  return 0;
}

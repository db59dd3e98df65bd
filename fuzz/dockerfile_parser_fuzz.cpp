// Fuzzes the Dockerfile parser and the whole lint pipeline: any input must give findings or an error, never a
// crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lint/linter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const customs::lint::LintConfig config;
  std::string_view content(reinterpret_cast<const char*>(data), size);
  auto report = customs::lint::LintContent(content, "fuzz", config);
  (void)report;
  return 0;
}

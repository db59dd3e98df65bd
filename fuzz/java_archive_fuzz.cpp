// Fuzzes the Java cataloger's archive analysis (nested archives, pom.properties, manifests, file names) with small
// limits, pushed in chunks whose sizes come from the first byte.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/lang/java.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + (data[0] % 64) * 61;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  customs::NullDiagnostics diagnostics;
  customs::catalog::lang::JavaLimits limits;
  limits.max_depth = 8;
  limits.min_inflated_bytes = 16 << 20;
  limits.max_entries = 20000;
  customs::catalog::lang::JarAnalyzer analyzer("/app/x-1.0.war", input.size(), diagnostics, limits);
  while (!input.empty()) {
    const std::size_t n = input.size() < chunk ? input.size() : chunk;
    analyzer.Data(input.substr(0, n));
    input.remove_prefix(n);
  }
  analyzer.Finish();
  customs::catalog::lang::ParsePomProperties(std::string_view(reinterpret_cast<const char*>(data), size));
  customs::catalog::lang::ParseJarFileName(
      std::string_view(reinterpret_cast<const char*>(data), size < 200 ? size : 200));
  return 0;
}

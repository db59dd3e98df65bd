// Fuzzes the streaming Go build info scanner (ELF head, both layouts, candidates) and the module information parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/lang/go.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + (data[0] % 64) * 67;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  customs::catalog::lang::GoBuildInfoScanner scanner;
  std::string_view rest = input;
  while (!rest.empty()) {
    const std::size_t n = rest.size() < chunk ? rest.size() : chunk;
    scanner.Feed(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  auto info = scanner.Finish();
  if (info) customs::catalog::lang::GoPackages(*info, "/bin/x");
  customs::catalog::lang::GoBuildInfo parsed;
  (void)customs::catalog::lang::ParseModInfo(input, &parsed);
  (void)customs::catalog::lang::GoToolchainSemver(input.substr(0, 40));
  return 0;
}

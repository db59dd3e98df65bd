// Fuzzes the streaming cargo-auditable (.dep-v0) scanner and its JSON parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/lang/rust_binary.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + (data[0] % 64) * 71;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  customs::catalog::lang::DepV0Scanner scanner;
  std::string_view rest = input;
  while (!rest.empty()) {
    const std::size_t n = rest.size() < chunk ? rest.size() : chunk;
    scanner.Feed(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  auto json = scanner.Finish();
  if (json) (void)customs::catalog::lang::ParseAuditableJson(*json, "/bin/x");
  (void)customs::catalog::lang::ParseAuditableJson(input, "/bin/x");
  return 0;
}

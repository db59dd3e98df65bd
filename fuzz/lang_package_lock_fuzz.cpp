// Fuzzes the package-lock.json reader (lockfileVersion 1-3).
#include <cstddef>
#include <cstdint>

#include "catalog/lang/node.h"
#include "lang_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = customs::fuzz::AsText(data, size);
  customs::NullDiagnostics diagnostics;
  (void)diagnostics;
  (void)customs::catalog::lang::ParsePackageLock(text, "/package-lock.json", diagnostics);
  return 0;
}

// Fuzzes the .NET deps.json and packages.lock.json readers.
#include <cstddef>
#include <cstdint>

#include "catalog/lang/dotnet.h"
#include "lang_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = customs::fuzz::AsText(data, size);
  customs::NullDiagnostics diagnostics;
  (void)diagnostics;
  (void)customs::catalog::lang::ParseDepsJson(text);
  (void)customs::catalog::lang::ParseNugetLock(text);
  return 0;
}

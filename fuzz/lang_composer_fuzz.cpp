// Fuzzes the Composer installed.json (both formats) and composer.lock reader.
#include <cstddef>
#include <cstdint>

#include "catalog/lang/php.h"
#include "lang_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = customs::fuzz::AsText(data, size);
  customs::NullDiagnostics diagnostics;
  (void)diagnostics;
  (void)customs::catalog::lang::ParseComposerPackages(text);
  return 0;
}

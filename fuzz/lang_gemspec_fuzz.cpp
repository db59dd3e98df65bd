// Fuzzes the installed-gemspec and Gemfile.lock readers.
#include <cstddef>
#include <cstdint>

#include "catalog/lang/ruby.h"
#include "lang_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = customs::fuzz::AsText(data, size);
  customs::NullDiagnostics diagnostics;
  (void)diagnostics;
  (void)customs::catalog::lang::ParseGemspec(text);
  (void)customs::catalog::lang::ParseGemfileLock(text);
  return 0;
}

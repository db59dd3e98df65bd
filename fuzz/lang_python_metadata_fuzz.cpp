// Fuzzes the Python core-metadata reader, whole and through the layer visitor in uneven chunks.
#include <cstddef>
#include <cstdint>

#include "catalog/lang/python.h"
#include "lang_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = customs::fuzz::AsText(data, size);
  (void)customs::catalog::lang::ParsePythonMetadata(text);
  customs::NullDiagnostics diagnostics;
  customs::catalog::lang::PythonCataloger cataloger;
  auto visitor = cataloger.extractor()->StartLayer(0, diagnostics);
  if (visitor->Inspect({"/s/x-1.dist-info/METADATA", 0644, 0, 0, size, 0}) == customs::Interest::kWant) {
    std::size_t chunk = size > 0 ? (data[0] % 17) + 1 : 1;
    for (std::size_t at = 0; at < size; at += chunk) {
      visitor->Data(text.substr(at, chunk));
    }
    visitor->EndFile(true);
  }
  (void)visitor->Finish();
  return 0;
}

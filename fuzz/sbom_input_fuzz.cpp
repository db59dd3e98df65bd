// Fuzzes the SBOM reader of `customs sbom-scan` (CycloneDX and SPDX JSON, purls).
#include <cstdint>
#include <string>

#include "scan/sbom_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)customs::scan::InventoryFromSbom(text, "fuzz");
  (void)customs::scan::ParsePurl(text);
  return 0;
}

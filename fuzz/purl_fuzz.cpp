// Fuzzes package URLs: parsing, percent-decoding, and the mapping of every purl type to a package (sbom-scan).
#include <cstdint>
#include <string_view>

#include "scan/sbom_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto purl = customs::scan::ParsePurl(text);
  if (purl) (void)customs::scan::PackageFromPurl(*purl);
  return 0;
}

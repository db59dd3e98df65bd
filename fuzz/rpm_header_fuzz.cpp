// Fuzzes the rpm header blob parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/rpm/rpmdb.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto header = customs::catalog::rpm::ParseHeaderBlob(std::string_view(reinterpret_cast<const char*>(data), size));
  if (header) {
    std::string name, version, release;
    customs::catalog::rpm::SplitSourceRpm(header->source_rpm, &name, &version, &release);
  }
  return 0;
}

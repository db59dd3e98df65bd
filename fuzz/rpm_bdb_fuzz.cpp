// Fuzzes the BerkeleyDB hash reader and the header parser behind it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/rpm/rpmdb.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  customs::NullDiagnostics diagnostics;
  auto values = customs::catalog::rpm::ReadBdbHashValues(std::string_view(reinterpret_cast<const char*>(data), size),
                                                         "/var/lib/rpm/Packages", diagnostics);
  if (values) {
    for (const auto& value : *values) (void)customs::catalog::rpm::ParseHeaderBlob(value);
  }
  return 0;
}

// Fuzzes the NDB Packages.db reader and the header parser behind it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/rpm/rpmdb.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  customs::NullDiagnostics diagnostics;
  auto blobs = customs::catalog::rpm::ReadNdbBlobs(std::string_view(reinterpret_cast<const char*>(data), size),
                                                   "/var/lib/rpm/Packages.db", diagnostics);
  if (blobs) {
    for (auto blob : *blobs) (void)customs::catalog::rpm::ParseHeaderBlob(blob);
  }
  return 0;
}

// Fuzzes the apk installed-database parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/apk/apk.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  customs::NullDiagnostics diagnostics;
  customs::catalog::apk::ParseInstalled(std::string_view(reinterpret_cast<const char*>(data), size),
                                        "/lib/apk/db/installed", diagnostics);
  return 0;
}

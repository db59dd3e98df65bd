// Fuzzes the dpkg status parser in both modes (status file and distroless status.d).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog/dpkg/dpkg.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  customs::NullDiagnostics diagnostics;
  customs::catalog::dpkg::ParseStatus(text, false, "/var/lib/dpkg/status", diagnostics);
  customs::catalog::dpkg::ParseStatus(text, true, "/var/lib/dpkg/status.d/x", diagnostics);
  return 0;
}

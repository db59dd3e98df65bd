// Fuzzes the image reference parser and the WWW-Authenticate parser: no crash, and a parsed reference round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "image/registry/registry_auth.h"
#include "image/registry/registry_reference.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace registry = customs::image::registry;
  auto reference = registry::ParseReference(text);
  if (reference) {
    auto again = registry::ParseReference(reference->ToString());
    if (!again || again->ToString() != reference->ToString()) std::abort();
  }
  (void)registry::ParseWwwAuthenticate(text);
  return 0;
}

// Fuzzes the body of POST /v1/registry/events (a registry's notification envelope).
#include <cstdint>
#include <string>

#include "server/admission.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)customs::server::ParseRegistryEvents(text);
  return 0;
}

// Fuzzes the body of POST /v1/runtime/alerts (what `customs watch --webhook` posts).
#include <cstdint>
#include <string>

#include "server/api.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)customs::server::ParseAlert(text);
  return 0;
}

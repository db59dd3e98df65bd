// Fuzzes the request-target decoding of the HTTP layer (path and query percent-decoding).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/http.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto target = customs::server::ParseRequestTarget(text)) {
    if (target->first.empty() || target->first.front() != '/') std::abort();
    if (target->first.find('\0') != std::string::npos) std::abort();
  }
  return 0;
}
